import ArgumentParser

/// The `qcow-batch` command: prepares qcow2 images in exact header states.
@main
struct QcowBatch: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "qcow-batch",
    abstract: "Prepare qcow2 disk images in exact header states for tests and CI.",
    discussion: """
      A manifest (YAML) lists images and the header edits for each: plan shows every change, apply \
      makes them to all images or to none, recover finishes an interrupted apply, and schema prints \
      the manifest's JSON Schema. qcow2 is a drop-in for qemu-iotests' qcow2.py, info decodes a \
      header area, and create writes images as qemu-img create -f qcow2 does.

      Exit status: 0 on success, 1 on any error (message on standard error), 64 for usage errors.
      """,
    version: "0.1.0",
    subcommands: [
      PlanCommand.self, ApplyCommand.self, RecoverCommand.self, CreateCommand.self, Qcow2Command.self, InfoCommand.self,
      GetCommand.self, SchemaCommand.self,
    ]
  )
}

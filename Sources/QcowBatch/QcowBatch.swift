import ArgumentParser

/// The `qcow-batch` command: prepares qcow2 images in exact header states.
@main
struct QcowBatch: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "qcow-batch",
    abstract: "Prepare qcow2 disk images in exact header states for tests and CI.",
    version: "0.1.0",
    subcommands: [
      PlanCommand.self, ApplyCommand.self, RecoverCommand.self, CreateCommand.self, Qcow2Command.self, InfoCommand.self,
      GetCommand.self, SchemaCommand.self,
    ]
  )
}

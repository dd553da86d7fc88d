import ArgumentParser
import QcowCore

/// `qcow-batch qcow2 IMAGE COMMAND ARGS`: a drop-in for QEMU's qcow2.py.
struct Qcow2Command: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "qcow2",
    abstract: "Dump or edit a qcow2 header exactly like qemu-iotests' qcow2.py.",
    usage: "qcow-batch qcow2 IMAGE COMMAND [ARGS...] [-j]",
    discussion: """
      Commands: dump-header, dump-header-exts, set-header NAME VALUE, add-header-ext MAGIC DATA,
      add-header-ext-stdio MAGIC, del-header-ext MAGIC, set-feature-bit GROUP BIT.
      -j anywhere selects JSON output for the dump commands.
      """
  )

  @Argument(
    parsing: .captureForPassthrough, help: "IMAGE COMMAND [ARGS...] [-j]",
    completion: .custom(Qcow2Completion.candidates))
  var words: [String] = []

  func run() throws {
    let json = words.contains("-j")
    let arguments = words.filter { $0 != "-j" }
    guard arguments.count >= 2 else {
      throw ValidationError("expected IMAGE COMMAND [ARGS...]")
    }
    let image = arguments[0]
    let name = arguments[1]
    guard let operation = Qcow2Operation(rawValue: name) else {
      print("Unknown command '\(name)'")
      throw ExitCode.failure
    }
    let operands = Array(arguments.dropFirst(2))
    guard operands.count == operation.operandNames.count else {
      throw ValidationError(
        "usage: qcow-batch qcow2 IMAGE \(([name] + operation.operandNames).joined(separator: " "))")
    }
    do {
      try operation.run(image: image, operands: operands, json: json)
    } catch let error as QcowError {
      throw QcowError("\(image): \(error.message)")
    }
  }
}

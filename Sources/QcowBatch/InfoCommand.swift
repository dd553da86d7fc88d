import ArgumentParser
import QcowCore

/// `qcow-batch info IMAGE`: everything in the header area, decoded and checked.
struct InfoCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "info",
    abstract: "Show every header field, feature bit and extension, with warnings for states QEMU refuses."
  )

  @Argument(help: "The qcow2 image.", completion: .file())
  var image: String

  @Flag(help: "Print one JSON document (schema in README.md).")
  var json = false

  func run() throws {
    do {
      try ImageFile.withFile(image) { file in
        let report = try ImageReport(area: try HeaderArea(reading: file), file: file)
        print(json ? report.json().rendered() : report.text())
      }
    } catch let error as QcowError {
      throw QcowError("\(image): \(error.message)")
    }
  }
}

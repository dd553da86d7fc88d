import ArgumentParser
import Foundation
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
    completion: .custom { completions($0, $1, $2, command: configuration.commandName ?? "") })
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

// MARK: Shell completion

extension Qcow2Command {
  /// Shell completion: files for the image, the commands, then header field names for
  /// `set-header` and feature groups for `set-feature-bit`. The candidates for word `index` of
  /// `words` (the whole command line, where `command` names this command) starting with `prefix`.
  static func completions(_ words: [String], _ index: Int, _ prefix: String, command: String) -> [String] {
    guard let start = words.firstIndex(of: command), start < index else { return [] }
    let before = words[(start + 1)..<min(index, words.count)].filter { $0 != "-j" }
    let names: [String]
    switch before.count {
    case 0: return files(prefix)
    case 1: names = Qcow2Operation.allCases.map(\.rawValue)
    default:
      switch Qcow2Operation(rawValue: before[before.index(after: before.startIndex)]) {
      case .setHeader where before.count == 2: names = HeaderField.all.map(\.name)
      case .setFeatureBit where before.count == 2: names = FeatureGroup.allCases.map(\.rawValue)
      case .dumpHeader, .dumpHeaderExts: names = ["-j"]
      default: names = []
      }
    }
    return names.filter { $0.hasPrefix(prefix) }
  }

  /// The files and directories whose paths start with `prefix`, hidden ones included, as bash's
  /// `compgen -f` lists them.
  static func files(_ prefix: String) -> [String] {
    let slash = prefix.lastIndex(of: "/")
    let directory = slash.map { String(prefix[...$0]) } ?? ""
    let start = slash.map { String(prefix[prefix.index(after: $0)...]) } ?? prefix
    let names = (try? FileManager.default.contentsOfDirectory(atPath: directory.isEmpty ? "." : directory)) ?? []
    return names.filter { $0.hasPrefix(start) }.sorted().map { directory + $0 }
  }
}

import Foundation
import QcowCore

/// Shell completion for `qcow-batch qcow2 IMAGE COMMAND ARGS`: files for the image, the
/// commands, then header field names for `set-header` and feature groups for `set-feature-bit`.
enum Qcow2Completion {
  /// The candidates for word `index` of `words` (the whole command line), which starts with `prefix`.
  @Sendable static func candidates(_ words: [String], _ index: Int, _ prefix: String) -> [String] {
    guard let start = words.firstIndex(of: Qcow2Command.configuration.commandName ?? ""), start < index else {
      return []
    }
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

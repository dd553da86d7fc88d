import Foundation

/// The files and directories under a root, with the files' bytes: what the explorer compares the
/// tree `recover` left with.
struct FileTree: Equatable {
  /// Each file's bytes, by path relative to the root.
  var files: [String: Data]
  /// Each directory, by path relative to the root.
  var directories: Set<String>

  /// A tree of `files` and `directories`.
  init(files: [String: Data], directories: Set<String>) {
    self.files = files
    self.directories = directories
  }

  /// The tree under `root`, leaving out the top-level names in `excluded`.
  init(reading root: String, excluding excluded: Set<String> = []) throws {
    files = [:]
    directories = []
    for path in try FileManager.default.subpathsOfDirectory(atPath: root)
    where !excluded.contains(String(path.prefix { $0 != "/" })) {
      var isDirectory: ObjCBool = false
      guard FileManager.default.fileExists(atPath: root + "/" + path, isDirectory: &isDirectory) else { continue }
      if isDirectory.boolValue {
        directories.insert(path)
      } else if let data = FileManager.default.contents(atPath: root + "/" + path) {
        files[path] = data
      } else {
        throw ApplyTestError(description: "cannot read \(path) under \(root)")
      }
    }
  }

  /// How this tree differs from `other`, for messages: names only one has, files whose bytes differ.
  func differences(from other: FileTree) -> String {
    let names = Set(files.keys).union(other.files.keys).union(directories).union(other.directories)
    var lines: [String] = []
    for name in names.sorted() {
      switch (files[name], other.files[name]) {
      case (let mine?, let theirs?) where mine != theirs: lines.append("\(name) holds other bytes")
      case (_?, nil): lines.append("\(name) is there")
      case (nil, _?): lines.append("\(name) is missing")
      default:
        if directories.contains(name) != other.directories.contains(name) {
          lines.append("the directory \(name) is \(directories.contains(name) ? "there" : "missing")")
        }
      }
    }
    return lines.joined(separator: ", ")
  }
}

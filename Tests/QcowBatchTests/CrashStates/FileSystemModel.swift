import Foundation
import Glibc

/// A model of the directory tree an apply works in, built from the trace of its file-system
/// calls: the tree as it was before, each effect of each call as a persistence unit, and each
/// sync. The calls are replayed in `FileSystemModel+Replay.swift`; crash states are built from
/// the units in `FileSystemModel+Disk.swift`.
struct FileSystemModel {
  /// What a traced descriptor refers to, as far as the model cares.
  enum Opened {
    case file(Int)
    case directory(String)
  }

  /// The unit a crash may tear a write into: a sector, the most a disk writes whole.
  static let sectorSize = 512

  /// One sector of one file.
  struct FileSector: Hashable {
    let file: Int
    let sector: Int
  }

  /// The tree's root: a canonical absolute path.
  let root: String
  /// The names before the apply, by path relative to the root.
  let initialNames: [String: TreeNode]
  /// The files' contents before the apply.
  let initialContents: [Int: SparseContent]
  /// The effects of the calls, in the order they were made.
  var units: [PersistenceUnit] = []
  /// The syncs, in order.
  var barriers: [SyncBarrier] = []
  /// The calls that had an effect (as `FileSystemCall.rendered` shows them), in order: the crash
  /// points lie between them.
  var calls: [String] = []
  /// The names as the running apply saw them.
  var names: [String: TreeNode]
  /// The contents as the running apply saw them: the page cache.
  var contents: [Int: SparseContent]
  /// A name for each file, for messages: the first name it had.
  var labels: [Int: String]
  /// The descriptors open in the traced process that refer to the tree, by number.
  var descriptors: [String: Opened] = [:]
  /// The traced process's working directory, from the `AT_FDCWD</path>` strace shows.
  var workingDirectory: String?
  /// The sectors that may have held a byte other than zero at some time: before the apply (each
  /// sector of a page holding one), or by a write.
  var touched: Set<FileSector> = []

  /// The tree under `root` as it is now, leaving out the top-level names in `excluded`.
  init(root: String, excluding excluded: Set<String>) throws {
    self.root = root
    var names: [String: TreeNode] = [:]
    var contents: [Int: SparseContent] = [:]
    var labels: [Int: String] = [:]
    var inodes: [UInt64: Int] = [:]
    let paths = try FileManager.default.subpathsOfDirectory(atPath: root).sorted()
    for path in paths where !excluded.contains(String(path.prefix { $0 != "/" })) {
      var status = stat()
      guard lstat(root + "/" + path, &status) == 0 else {
        throw ApplyTestError(description: "cannot stat \(path) in the tree")
      }
      switch status.st_mode & S_IFMT {
      case S_IFDIR:
        names[path] = .directory
      case S_IFREG:
        if let file = inodes[UInt64(status.st_ino)] {
          names[path] = .file(file)
          continue
        }
        let file = inodes.count
        inodes[UInt64(status.st_ino)] = file
        guard let data = FileManager.default.contents(atPath: root + "/" + path) else {
          throw ApplyTestError(description: "cannot read \(path) in the tree")
        }
        names[path] = .file(file)
        let content = SparseContent(bytes: Array(data))
        contents[file] = content
        let perPage = SparseContent.pageSize / FileSystemModel.sectorSize
        for page in content.pages.keys {
          touched.formUnion((page * perPage..<(page + 1) * perPage).map { FileSector(file: file, sector: $0) })
        }
        labels[file] = path
      default:
        throw ApplyTestError(description: "\(path) in the tree is neither a file nor a directory")
      }
    }
    initialNames = names
    initialContents = contents
    self.names = names
    self.contents = contents
    self.labels = labels
  }

  /// The units that change bytes or names, leaving out those that write zeros over zeros.
  var effectiveUnits: [Int] { units.indices.filter { !units[$0].writesNothing } }

  /// The files of the tree as the apply left it, by path: what the model says the disk holds
  /// once everything is durable.
  var finalFiles: [String: Data] {
    var files: [String: Data] = [:]
    for (path, node) in names {
      if case .file(let file) = node, let content = contents[file] { files[path] = Data(content.bytes) }
    }
    return files
  }

  /// Fails unless the files of `tree` are those the model ends with: a check that it followed
  /// every call.
  func expectFinal(_ tree: FileTree) throws {
    guard finalFiles != tree.files else { return }
    let modelled = FileTree(files: finalFiles, directories: tree.directories)
    throw ApplyTestError(
      description: "the model of the trace does not end as the traced run did: \(modelled.differences(from: tree))")
  }

  /// A failure to model the trace.
  func unmodelled(_ what: String, _ call: FileSystemCall) -> ApplyTestError {
    ApplyTestError(description: "the crash-state model cannot follow \(what): \(call.text.prefix(300))")
  }
}

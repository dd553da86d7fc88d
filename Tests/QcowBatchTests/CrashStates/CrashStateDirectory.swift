import Foundation
import Glibc

/// Where the explorer lays out one crash state after another for `recover`: a directory on the
/// filesystem the apply ran on, or on a tmpfs of its own, which comes back under another device
/// number. Either way it is another directory than the apply's, with new inodes.
struct CrashStateDirectory {
  /// Where the crash states are laid out.
  enum Placement: String, Sendable {
    /// Beside the apply's directory, on its filesystem.
    case sameFilesystem
    /// On a tmpfs mounted for the run.
    case otherFilesystem
  }

  /// The root of the crash state's tree: the manifest's directory.
  let root: String
  /// A directory beside it, for the logs of traced runs there.
  let logs: URL
  private let base: String
  private let mounted: Bool

  /// A new, empty place of `placement`.
  init(_ placement: Placement) throws {
    base = try TestSupport.makeTemporaryDirectory("qcow-batch-crash-states").path
    root = base + "/tree"
    logs = URL(fileURLWithPath: base + "/logs")
    mounted = placement == .otherFilesystem
    if mounted { try Tmpfs.mount(base, size: "64m") }
    try FileManager.default.createDirectory(at: logs, withIntermediateDirectories: false)
  }

  /// The device number of the filesystem holding the crash states.
  var device: UInt64? {
    var status = stat()
    return stat(base, &status) == 0 ? UInt64(status.st_dev) : nil
  }

  /// Replaces the tree at `root` with `disk`, each file holding what `content` gives; names of
  /// one file become hard links.
  func lay(_ disk: CrashDisk, content: (Int) -> SparseContent) throws {
    try? FileManager.default.removeItem(atPath: root)
    try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: false)
    var written: [Int: String] = [:]
    for (path, node) in disk.names.sorted(by: { $0.key < $1.key }) {
      let full = root + "/" + path
      switch node {
      case .directory:
        guard mkdir(full, 0o755) == 0 else { throw failure("mkdir", path) }
      case .file(let file):
        if let first = written[file] {
          guard link(first, full) == 0 else { throw failure("link", path) }
          continue
        }
        try write(content(file), to: full)
        written[file] = full
      }
    }
  }

  /// Writes `content` to a new file at `path`: its pages, then its size.
  private func write(_ content: SparseContent, to path: String) throws {
    let descriptor = open(path, O_WRONLY | O_CREAT | O_EXCL, 0o644)
    guard descriptor >= 0 else { throw failure("open", path) }
    defer { close(descriptor) }
    for (page, bytes) in content.pages {
      let written = bytes.withUnsafeBytes {
        pwrite(descriptor, $0.baseAddress, $0.count, off_t(page) * off_t(SparseContent.pageSize))
      }
      guard written == bytes.count else { throw failure("pwrite", path) }
    }
    guard ftruncate(descriptor, off_t(content.size)) == 0 else { throw failure("ftruncate", path) }
  }

  /// The error of a failed `call` on `path`, with errno's message.
  private func failure(_ call: String, _ path: String) -> ApplyTestError {
    ApplyTestError(description: "cannot lay out the crash state: \(call) \(path): \(String(cString: strerror(errno)))")
  }

  /// Removes the place (and its tmpfs).
  func remove() {
    try? FileManager.default.removeItem(atPath: root)
    if mounted { Tmpfs.unmount(base) }
    try? FileManager.default.removeItem(atPath: base)
  }
}

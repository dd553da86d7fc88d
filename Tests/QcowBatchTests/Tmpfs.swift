import Foundation

/// Whether this machine lets the tests mount a tmpfs.
enum SmallTmpfs {
  static let permitted: Bool = {
    guard let directory = try? TestSupport.makeTemporaryDirectory("qcow-batch-tmpfs-probe") else { return false }
    defer { try? FileManager.default.removeItem(at: directory) }
    let mounted = try? TestSupport.tool("mount", ["-t", "tmpfs", "-o", "size=64k", "tmpfs", directory.path])
    guard let mounted, mounted.status == 0 else {
      let reason = mounted.map { $0.err.trimmingCharacters(in: .whitespacesAndNewlines) } ?? "cannot run mount"
      print("mounting a tmpfs is not permitted here (\(reason)); the real-ENOSPC test is skipped")
      return false
    }
    _ = try? TestSupport.tool("umount", [directory.path])
    return true
  }()
}

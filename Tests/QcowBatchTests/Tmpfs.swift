import Foundation

/// A tmpfs the tests mount: a filesystem of its own, with its own device number, that can be
/// made small.
enum Tmpfs {
  /// Whether this machine lets the tests mount a tmpfs; prints why not when it does not.
  static let permitted: Bool = {
    guard let directory = try? TestSupport.makeTemporaryDirectory("qcow-batch-tmpfs-probe") else { return false }
    defer { try? FileManager.default.removeItem(at: directory) }
    do {
      try mount(directory.path, size: "64k")
    } catch {
      print("mounting a tmpfs is not permitted here (\(error)); the tests that need one are skipped")
      return false
    }
    unmount(directory.path)
    return true
  }()

  /// Mounts a tmpfs of `size` (mount's syntax: `4m`) on the directory `path`.
  static func mount(_ path: String, size: String) throws {
    let mounted = try TestSupport.tool("mount", ["-t", "tmpfs", "-o", "size=\(size)", "tmpfs", path])
    guard mounted.status == 0 else {
      throw ApplyTestError(description: "mount: " + mounted.err.trimmingCharacters(in: .whitespacesAndNewlines))
    }
  }

  /// Unmounts the tmpfs on `path`.
  static func unmount(_ path: String) {
    _ = try? TestSupport.tool("umount", [path])
  }
}

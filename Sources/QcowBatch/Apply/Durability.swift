import Glibc
import QcowCore

/// The file operations of a transaction that must reach the disk, with retries for the
/// cleanup steps, which run after the point where a failure could still be undone.
enum Durability {
  /// How often a cleanup step is tried before it is reported.
  static let cleanupAttempts = 3

  /// Syncs the directory at `path`, so entries created, renamed or removed in it are durable.
  static func syncDirectory(_ path: String) throws(Errno) {
    let descriptor = try FileDescriptor.open(path, O_RDONLY | O_DIRECTORY)
    defer { descriptor.close() }
    try descriptor.sync()
  }

  /// Opens `path` with `flags`, writes `bytes` at `offset` and syncs the file.
  static func writeSynced(_ bytes: [UInt8], to path: String, at offset: Int64, flags: Int32) throws(Errno) {
    let descriptor = try FileDescriptor.open(path, flags, mode: 0o644)
    defer { descriptor.close() }
    try descriptor.writeAll(bytes, at: offset)
    try descriptor.sync()
  }

  /// Renames `source` over `target`.
  static func rename(_ source: String, over target: String) throws(Errno) {
    try Errno.retrying { Glibc.rename(source, target) }
  }

  /// Removes `path`; a file already gone is fine. Transient failures are retried.
  static func removeFile(_ path: String) throws(Errno) {
    var attempt = 0
    while true {
      attempt += 1
      if unlink(path) == 0 { return }
      let error = Errno.last
      if error == .noSuchFile { return }
      if error != .interrupted && attempt >= cleanupAttempts { throw error }
    }
  }

  /// Whether something exists at `path` (without following a final symlink).
  static func exists(_ path: String) -> Bool {
    var status = stat()
    return lstat(path, &status) == 0
  }
}

import Glibc
import QcowCore

/// The file operations of a transaction that must reach the disk, with retries for the
/// cleanup steps, which run after the point where a failure could still be undone.
enum Durability {
  /// How often a cleanup step is tried before it is reported.
  static let cleanupAttempts = 3

  /// Syncs the directory at `path`, so entries created, renamed or removed in it are durable.
  static func syncDirectory(_ path: String) throws(Errno) {
    try sync(path, O_RDONLY | O_DIRECTORY)
  }

  /// Makes the data of the files at `paths` durable: an fsync each, or one syncfs per
  /// filesystem for a batch as large as staging syncs that way.
  static func syncFiles(_ paths: [String]) throws(Errno) {
    guard strategy(forFiles: paths.count) == .file else {
      return try syncFilesystems(of: paths.map(ManifestPaths.directory(of:)))
    }
    for path in paths { try sync(path, O_RDONLY) }
  }

  /// Opens `path` with `flags` and fsyncs it.
  private static func sync(_ path: String, _ flags: Int32) throws(Errno) {
    let descriptor = try FileDescriptor.open(path, flags)
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

  /// How staged files reach the disk: one fsync each, or one syncfs per filesystem.
  enum Strategy: String {
    case file
    case filesystem
  }

  /// The environment variable that forces a strategy (`file` or `filesystem`).
  static let strategyVariable = "QCOW_BATCH_SYNC"
  /// From this many staged files on, one syncfs per filesystem beats an fsync per file
  /// (measured on ext4: 1000 images applied in 1.3-1.5 s with an fsync each, 1.0-1.3 s with syncfs).
  static let batchThreshold = 16

  /// The strategy for `count` staged files.
  static func strategy(forFiles count: Int) -> Strategy {
    if let forced = getenv(strategyVariable).flatMap({ Strategy(rawValue: String(cString: $0)) }) { return forced }
    return count >= batchThreshold ? .filesystem : .file
  }

  /// Flushes every filesystem holding one of `paths` (directories), once each.
  static func syncFilesystems(of paths: [String]) throws(Errno) {
    var seen: Set<UInt64> = []
    for path in paths.sorted() {
      var status = stat()
      guard stat(path, &status) == 0, seen.insert(UInt64(status.st_dev)).inserted else { continue }
      let descriptor = try FileDescriptor.open(path, O_RDONLY | O_DIRECTORY)
      defer { descriptor.close() }
      guard let result = LinuxCalls.syncFilesystem(descriptor.rawValue) else { throw Errno.notImplemented }
      if result != 0 { throw Errno.last }
    }
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

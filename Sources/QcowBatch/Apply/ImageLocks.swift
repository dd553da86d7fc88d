import Glibc
import QcowCore

/// QEMU's image locks, and the directory locks that serialize `apply` runs.
enum ImageLocks {
  /// QEMU locks one byte per permission from offset 100, and one per shared permission from 200.
  private static let qemuLockRange: (start: Int, length: Int) = (100, 200)
  /// Linux's `F_OFD_GETLK`, which QEMU's lock probing uses.
  private static let ofdGetLock: Int32 = 36

  /// A phrase naming who holds `path` open with QEMU's locks, or nil when nobody does.
  static func qemuHolder(of path: String) -> String? {
    let descriptor = open(path, O_RDONLY | O_CLOEXEC)
    guard descriptor >= 0 else { return nil }
    defer { close(descriptor) }
    var probe = flock()
    probe.l_type = Int16(F_WRLCK)
    probe.l_whence = Int16(SEEK_SET)
    probe.l_start = off_t(qemuLockRange.start)
    probe.l_len = off_t(qemuLockRange.length)
    guard fcntl(descriptor, ofdGetLock, &probe) == 0, probe.l_type != Int16(F_UNLCK) else { return nil }
    return "is locked by another process (a running QEMU holds its image lock on byte \(probe.l_start))"
  }

  /// Exclusive locks on the directories of a set of targets, held until `release()`.
  struct DirectoryLocks {
    private var descriptors: [Int32] = []

    /// Locks each directory, waiting for other `apply` runs; directories are locked in sorted
    /// order so two runs never deadlock.
    init(directories: [String]) throws {
      // One lock per directory, however it is spelt: a second flock on the same directory
      // through another descriptor would wait for the first forever.
      for directory in Set(directories.map { ManifestPaths.canonical($0) ?? $0 }).sorted() {
        let descriptor = open(directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard descriptor >= 0 else {
          let error = Errno.last
          release()
          throw QcowError("cannot open directory '\(directory)' to lock it: \(error)")
        }
        descriptors.append(descriptor)
        while flock(descriptor, LOCK_EX) != 0 {
          guard errno == EINTR else {
            let error = Errno.last
            release()
            throw QcowError("cannot lock directory '\(directory)': \(error)")
          }
        }
      }
    }

    /// Unlocks and closes every directory.
    mutating func release() {
      for descriptor in descriptors { close(descriptor) }
      descriptors = []
    }
  }

  /// Locks `directories`, the journal's directory and every directory the journal at
  /// `journalPath` names, and reads the journal under those locks (nil when there is none).
  /// A journal naming more directories than were locked is read again with them locked too.
  static func lockForJournal(_ journalPath: String, directories: [String]) throws -> (DirectoryLocks, Journal?) {
    let canonical = { (directory: String) in ManifestPaths.canonical(directory) ?? directory }
    var wanted = Set((directories + [ManifestPaths.directory(of: journalPath)]).map(canonical))
    while true {
      var locks = try DirectoryLocks(directories: Array(wanted))
      do {
        let journal = try Journal.read(journalPath)
        let needed = wanted.union((journal?.directories.filter(ManifestPaths.isDirectory) ?? []).map(canonical))
        if needed == wanted { return (locks, journal) }
        wanted = needed
        locks.release()
      } catch {
        locks.release()
        throw error
      }
    }
  }
}

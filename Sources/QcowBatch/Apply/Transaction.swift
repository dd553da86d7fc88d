import Glibc
import QcowCore

/// Replaces every target of a valid plan with its new version, or none, even when the process
/// dies or the disk fails part-way. The protocol, with the journal beside the manifest:
///
/// 1. the journal's begin record names every staged file and backup, and is made durable;
/// 2. each image is staged and synced; originals are checked unchanged and kept by hard links;
///    the target directories are synced;
/// 3. the commit record (with the old and new versions' fingerprints) is synced with its
///    directory: the commit point;
/// 4. the staged files are renamed over their targets and the directories synced;
/// 5. backups and journal are removed.
///
/// A failure before the commit point rolls back; a failure after it writes an abort record
/// and rolls back. Once the renames are synced the new versions stand: a failure in step 5 is
/// reported as such. A crash anywhere is finished by `Recovery` from the journal.
struct Transaction {
  /// The environment variable that makes the Nth rename fail (tests only).
  static let failRenameVariable = "QCOW_BATCH_TEST_FAIL_RENAME"
  /// The environment variable that makes apply leave out one sync before the commit record, so
  /// the tests can show that the crash-state explorer catches it (tests only): `staged` leaves out
  /// the staged files' fsync or syncfs, `directories` the target directories' sync.
  static let skipSyncVariable = "QCOW_BATCH_TEST_SKIP_SYNC"

  /// Runs the transaction for `plan`; the caller holds the directory locks.
  static func run(
    _ plan: EditPlan, originals: [String: FileIdentity], journalPath: String, quiet: Bool = false
  ) throws {
    // In build order: an entry built from another's result copies that entry's staged file,
    // or its target when the target already held the result.
    var images: [StagedImage] = []
    var staged: [Int: String] = [:]
    for (position, image) in plan.images.enumerated() where !image.unchanged {
      let source = image.sourceEntry.map { staged[$0] ?? plan.images[$0].target }
      let files = try StagedImage.files(of: image, originals: originals, source: source)
      staged[position] = files.first?.temporary
      images += files
    }
    guard !images.isEmpty else { return }
    var journal = try Journal.begin(at: journalPath, entries: images.map(\.journalEntry))
    do {
      let progress = Progress(images: images.count, bytes: images.reduce(0) { $0 + $1.dataBytes }, quiet: quiet)
      defer { progress.finish() }
      try prepare(images, journal: &journal, progress: progress)
      try journal.commit()
    } catch {
      try undo(journal, after: error)
    }
    do {
      let failAt = Environment.integer(failRenameVariable)
      for (index, image) in images.enumerated() {
        do {
          if index + 1 == failAt { throw Errno.ioError }
          try Durability.rename(image.temporary, over: image.target)
        } catch {
          throw QcowError("cannot rename the staged copy over '\(image.name)': \(error)")
        }
      }
      try Recovery.syncTargetDirectories(journal)
    } catch {
      do {
        try journal.abort()
      } catch let abortError {
        throw QcowError(
          "\(error); then \(abortError); the journal '\(journalPath)' still holds the transaction: "
            + "run 'qcow-batch recover'")
      }
      try undo(journal, after: error)
    }
    do {
      try Recovery.removeLeftovers(journal)
    } catch {
      // The renames are durable and the backups may be gone: the new versions stand. Say so,
      // rather than leave a bare error that reads as "nothing was replaced".
      throw CleanupFailure(
        message: "\(error); every target already holds its new version: run 'qcow-batch recover' on the "
          + "manifest to finish removing the transaction's files")
    }
  }

  /// A failure after the new versions were committed and synced: the images changed, but the
  /// transaction's own files could not all be removed.
  struct CleanupFailure: Error, CustomStringConvertible {
    let message: String
    var description: String { message }
  }

  /// Stages every image, checks the originals, links the backups, records the versions and
  /// syncs the target directories: everything before the commit record.
  private static func prepare(_ images: [StagedImage], journal: inout Journal, progress: Progress) throws {
    let skipped = Environment.string(skipSyncVariable)
    let strategy = Durability.strategy(forFiles: images.count)
    for image in images {
      try image.stage(progress: progress, sync: strategy == .file && skipped != "staged")
      progress.imageStaged()
    }
    if strategy == .filesystem && skipped != "staged" {
      do {
        try Durability.syncFilesystems(of: Array(journal.directories))
      } catch {
        throw QcowError("cannot sync the staged copies: \(error)")
      }
    }
    for (index, image) in images.enumerated() {
      let name = image.name
      if FileIdentity(path: image.target) != image.original {
        throw QcowError("'\(name)' changed since it was read")
      }
      if let holder = ImageLocks.qemuHolder(of: image.target) {
        throw QcowError("'\(name)' \(holder)")
      }
      try image.linkBackup()
      journal.entries[index].old = image.original == nil ? nil : VersionFingerprint(path: image.target)
      journal.entries[index].new = VersionFingerprint(path: image.temporary)
    }
    if skipped != "directories" { try Recovery.syncTargetDirectories(journal) }
  }

  /// Rolls back after `error` and rethrows it, saying whether the targets were restored.
  private static func undo(_ journal: Journal, after error: Error) throws -> Never {
    do {
      try Recovery.rollBack(journal)
    } catch let rollbackError {
      throw QcowError(
        "\(error); rolling back failed too: \(rollbackError); run 'qcow-batch recover' on the manifest")
    }
    throw QcowError("\(error); nothing was replaced")
  }
}

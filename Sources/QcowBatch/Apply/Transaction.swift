import Glibc
import QcowCore

/// Stages every image of a valid plan, then renames them all over their targets, or none.
struct Transaction {
  /// The environment variable that makes the Nth rename fail (tests only).
  static let failRenameVariable = "QCOW_BATCH_TEST_FAIL_RENAME"

  private var staged: [StagedImage] = []
  /// Hard links to the originals, one per existing target, kept until the commit ends.
  private var backups: [String?] = []

  /// Stages each image; on any failure removes every temporary file made so far.
  static func stage(_ plan: EditPlan, originals: [String: FileIdentity]) throws -> Transaction {
    var transaction = Transaction()
    do {
      for image in plan.images {
        transaction.staged.append(try StagedImage.stage(image, original: originals[image.target]))
      }
    } catch {
      transaction.discard()
      throw error
    }
    return transaction
  }

  /// The staged images, in manifest order.
  var images: [StagedImage] { staged }

  /// Removes every temporary file and backup link.
  mutating func discard() {
    for image in staged { unlink(image.temporary) }
    for backup in backups.compactMap({ $0 }) { unlink(backup) }
    staged = []
    backups = []
  }

  /// Renames every staged image over its target. Before the first rename each original is
  /// checked unchanged and not held by a QEMU started while staging, and kept reachable by a
  /// hard link; if a rename fails, the targets already replaced get their originals back and
  /// every temporary file is removed.
  mutating func commit() throws {
    defer { discard() }
    for image in staged {
      let name = image.plan.entry.path.value
      if FileIdentity(path: image.target) != image.original {
        throw QcowError("'\(name)' changed since it was read; nothing was replaced")
      }
      if let holder = ImageLocks.qemuHolder(of: image.target) {
        throw QcowError("'\(name)' \(holder); nothing was replaced")
      }
    }
    for image in staged {
      backups.append(image.original == nil ? nil : try link(image))
    }
    let failAt = Environment.integer(Transaction.failRenameVariable)
    for (index, image) in staged.enumerated() {
      let result = (index + 1 == failAt) ? Errno.ioError : rename(image)
      if let error = result {
        rollBack(through: index)
        throw QcowError(
          "cannot rename the staged copy over '\(image.plan.entry.path.value)': \(error); every image was restored")
      }
    }
    syncDirectories()
  }

  /// Links the original target to a unique backup name in its directory.
  private func link(_ image: StagedImage) throws -> String {
    let directory = ManifestPaths.directory(of: image.target)
    let prefix = "." + ManifestPaths.baseName(of: image.target) + ".qcow-batch-backup-"
    for _ in 0..<100 {
      let backup = directory + "/" + prefix + StagedImage.randomSuffix()
      if Glibc.link(image.target, backup) == 0 { return backup }
      guard Errno.last == .fileExists else {
        throw QcowError("cannot keep a backup link of '\(image.plan.entry.path.value)': \(Errno.last)")
      }
    }
    throw QcowError("cannot find a unique backup name in \(directory)")
  }

  private func rename(_ image: StagedImage) -> Errno? {
    Glibc.rename(image.temporary, image.target) == 0 ? nil : Errno.last
  }

  /// Undoes the renames before `failed`: originals come back from their backup links; targets
  /// that did not exist are removed.
  private mutating func rollBack(through failed: Int) {
    for index in 0..<failed {
      let image = staged[index]
      if let backup = backups[index] {
        Glibc.rename(backup, image.target)
        backups[index] = nil
      } else {
        unlink(image.target)
      }
    }
    syncDirectories()
  }

  /// Syncs each target directory so the renames are durable.
  private func syncDirectories() {
    for directory in Set(staged.map { ManifestPaths.directory(of: $0.target) }) {
      let descriptor = open(directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
      guard descriptor >= 0 else { continue }
      fsync(descriptor)
      close(descriptor)
    }
  }
}

import Glibc
import QcowCore

/// One image of a transaction: its target, the temporary file that will replace it, and the
/// backup link that keeps the original reachable until the transaction ends.
struct StagedImage {
  /// The plan it was made from.
  let plan: ImagePlan
  /// The target with symlinks resolved: the file that gets replaced.
  let target: String
  /// The temporary file holding the new image, in the target's directory.
  let temporary: String
  /// The hard link to the original, when the target exists.
  let backup: String?
  /// The target's identity when it was read, nil when it did not exist.
  let original: FileIdentity?

  /// Chooses the temporary and backup names for `plan` (random, in the target's directory).
  init(_ plan: ImagePlan, original: FileIdentity?) throws {
    guard let target = ManifestPaths.canonicalTarget(plan.target) else {
      throw QcowError("'\(plan.entry.path.value)': cannot resolve its directory")
    }
    let prefix = ManifestPaths.directory(of: target) + "/." + ManifestPaths.baseName(of: target)
    let suffix = StagedImage.randomSuffix()
    self.plan = plan
    self.target = target
    temporary = prefix + ".qcow-batch-" + suffix
    backup = original == nil ? nil : prefix + ".qcow-batch-backup-" + suffix
    self.original = original
  }

  /// The journal's record of this image.
  var journalEntry: Journal.Entry {
    Journal.Entry(target: target, staged: temporary, backup: backup)
  }

  /// Writes the new image: creates the temporary file exclusively with the original's mode and
  /// owner, copies the source sparsely, writes the new header area and syncs the file.
  func stage() throws {
    guard let encoded = plan.encoded else { throw QcowError("'\(plan.target)': nothing to stage") }
    var status = stat()
    let existing = stat(target, &status) == 0
    do {
      let descriptor = try FileDescriptor.open(temporary, O_WRONLY | O_CREAT | O_EXCL, mode: 0o600)
      defer { descriptor.close() }
      let mode = existing ? mode_t(status.st_mode & 0o7777) : mode_t(0o666) & ~StagedImage.currentUmask()
      try Errno.retrying { fchmod(descriptor.rawValue, mode) }
      if existing && (status.st_uid != geteuid() || status.st_gid != getegid()) {
        try Errno.retrying { fchown(descriptor.rawValue, status.st_uid, status.st_gid) }
      }
      try ImageFile.withFile(plan.source) { source in
        guard let size = Int64(exactly: source.size) else { throw QcowError("source too large") }
        try SparseCopy.copy(from: source.descriptor.rawValue, to: descriptor.rawValue, size: size)
      }
      try descriptor.writeAll(encoded, at: 0)
      try descriptor.sync()
    } catch {
      throw QcowError("cannot stage '\(plan.entry.path.value)' in \(ManifestPaths.directory(of: target)): \(error)")
    }
  }

  /// Links the original to the backup name.
  func linkBackup() throws {
    guard let backup else { return }
    guard Glibc.link(target, backup) == 0 else {
      throw QcowError("cannot keep a backup link of '\(plan.entry.path.value)': \(Errno.last)")
    }
  }

  /// Eight random lowercase letters and digits.
  static func randomSuffix() -> String {
    let alphabet = Array("abcdefghijklmnopqrstuvwxyz0123456789")
    var generator = SystemRandomNumberGenerator()
    return String((0..<8).map { _ in alphabet[Int(generator.next(upperBound: UInt64(alphabet.count)))] })
  }

  private static func currentUmask() -> mode_t {
    let mask = umask(0o022)
    umask(mask)
    return mask
  }
}

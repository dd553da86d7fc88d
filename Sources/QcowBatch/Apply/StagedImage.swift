import Glibc
import QcowCore

/// One image written to a temporary file beside its target, waiting to be renamed over it.
struct StagedImage {
  /// The plan it was made from.
  let plan: ImagePlan
  /// The target with symlinks resolved: the file that gets replaced.
  let target: String
  /// The temporary file holding the new image.
  let temporary: String
  /// The target's identity when it was read, nil when it did not exist.
  let original: FileIdentity?

  /// Stages `plan`: creates a unique temporary file in the target's directory with the
  /// original's mode and owner, copies the source sparsely, writes the new header area, syncs.
  static func stage(_ plan: ImagePlan, original: FileIdentity?) throws -> StagedImage {
    guard let encoded = plan.encoded, let target = ManifestPaths.canonicalTarget(plan.target) else {
      throw QcowError("'\(plan.target)': nothing to stage")
    }
    let directory = ManifestPaths.directory(of: target)
    let base = ManifestPaths.baseName(of: target)
    var status = stat()
    let existing = stat(target, &status) == 0
    let mode = existing ? status.st_mode & 0o7777 : 0o666
    let (descriptor, temporary) = try createUnique(in: directory, prefix: ".\(base).qcow-batch-", mode: mode_t(mode))
    do {
      try Errno.retrying { fchmod(descriptor, existing ? mode_t(mode) : mode_t(0o666) & ~currentUmask()) }
      if existing && (status.st_uid != geteuid() || status.st_gid != getegid()) {
        try Errno.retrying { fchown(descriptor, status.st_uid, status.st_gid) }
      }
      try ImageFile.withFile(plan.source) { source in
        guard let size = Int64(exactly: source.size) else { throw QcowError("source too large") }
        try SparseCopy.copy(from: source.descriptor.rawValue, to: descriptor, size: size)
      }
      try encoded.withUnsafeBytes { raw in
        var written = 0
        while written < raw.count {
          written += try Errno.retrying {
            pwrite(descriptor, raw.baseAddress.map { $0 + written }, raw.count - written, off_t(written))
          }
        }
      }
      try Errno.retrying { fsync(descriptor) }
      close(descriptor)
    } catch {
      close(descriptor)
      unlink(temporary)
      throw QcowError("cannot stage '\(plan.entry.path.value)' in \(directory): \(error)")
    }
    return StagedImage(plan: plan, target: target, temporary: temporary, original: original)
  }

  /// Creates a new file named `prefix` plus random characters, exclusively.
  static func createUnique(in directory: String, prefix: String, mode: mode_t) throws -> (Int32, String) {
    for _ in 0..<100 {
      let path = directory + "/" + prefix + randomSuffix()
      let descriptor = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode)
      if descriptor >= 0 { return (descriptor, path) }
      let error = Errno.last
      guard error == .fileExists || error == .interrupted else {
        throw QcowError("cannot create a temporary file in \(directory): \(error)")
      }
    }
    throw QcowError("cannot create a unique temporary file in \(directory)")
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

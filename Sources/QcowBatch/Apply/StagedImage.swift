import Glibc
import QcowCore

/// One file of a transaction: its target, the temporary file that will replace it, and the
/// backup link that keeps the original reachable until the transaction ends.
struct StagedImage {
  /// What the temporary file is filled with.
  enum Content {
    /// A sparse copy of an image, then the edits' writes and length.
    case copy(source: String, edits: Edits)
    /// A new image laid out like qemu-img create, then the edits' writes and length.
    case created(CreateOptions, size: UInt64, edits: Edits)
    /// An empty (sparse) external data file of this size.
    case dataFile(size: UInt64)
  }

  /// The name the manifest gives the file, for messages.
  let name: String
  /// What goes into the temporary file.
  let content: Content
  /// The target with symlinks resolved: the file that gets replaced.
  let target: String
  /// The temporary file holding the new version, in the target's directory.
  let temporary: String
  /// The hard link to the original, when the target exists.
  let backup: String?
  /// The target's identity when it was read, nil when it did not exist.
  let original: FileIdentity?

  /// Chooses the temporary and backup names for a file of `content` replacing `path`.
  init(name: String, path: String, content: Content, original: FileIdentity?) throws {
    guard let target = ManifestPaths.canonicalTarget(path) else {
      throw QcowError("'\(name)': cannot resolve its directory")
    }
    let prefix = ManifestPaths.directory(of: target) + "/." + ManifestPaths.baseName(of: target)
    let suffix = StagedImage.randomSuffix()
    self.name = name
    self.content = content
    self.target = target
    temporary = prefix + ".qcow-batch-" + suffix
    backup = original == nil ? nil : prefix + ".qcow-batch-backup-" + suffix
    self.original = original
  }

  /// The files `plan` stages: the image, and the external data file a `create` entry makes.
  static func files(
    of plan: ImagePlan, originals: [String: FileIdentity], source: String? = nil
  ) throws -> [StagedImage] {
    guard let writes = plan.writes else { throw QcowError("'\(plan.entry.path.value)': nothing to stage") }
    let edits = Edits(writes: writes, length: plan.length, cutLength: plan.cutLength)
    let content: Content =
      plan.creation.map { .created($0.options, size: $0.size, edits: edits) }
      ?? .copy(source: source ?? plan.source, edits: edits)
    var files = [
      try StagedImage(
        name: plan.entry.path.value, path: plan.target, content: content, original: originals[plan.target])
    ]
    if let dataFile = plan.dataFile {
      files.append(
        try StagedImage(
          name: dataFile.path, path: dataFile.path, content: .dataFile(size: dataFile.size),
          original: FileIdentity(path: dataFile.path)))
    }
    return files
  }

  /// The bytes of data the staging copies (the source's allocated size), for progress.
  var dataBytes: UInt64 {
    guard case .copy(let source, _) = content else { return 0 }
    var status = stat()
    return stat(source, &status) == 0 ? UInt64(max(0, status.st_blocks)) * 512 : 0
  }

  /// The journal's record of this file.
  var journalEntry: Journal.Entry {
    Journal.Entry(target: target, staged: temporary, backup: backup)
  }

  /// Writes the new version: creates the temporary file exclusively with the original's mode
  /// and owner, fills it (holes stay holes), writes the new header area and syncs the file.
  func stage(progress: Progress? = nil, sync: Bool = true) throws {
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
      switch content {
      case .copy(let source, let edits):
        try ImageFile.withFile(source) { source in
          guard let size = Int64(exactly: source.size) else { throw QcowError("source too large") }
          try SparseCopy.copy(
            from: source.descriptor.rawValue, to: descriptor.rawValue, size: size, progress: progress)
        }
        try edits.make(in: descriptor)
      case .created(let options, let size, let edits):
        try ImageLayout(options: options, size: size).write(to: descriptor)
        try edits.make(in: descriptor)
      case .dataFile(let size):
        try Errno.retrying { ftruncate(descriptor.rawValue, off_t(size)) }
      }
      if sync { try descriptor.sync() }
    } catch {
      throw QcowError("cannot stage '\(name)' in \(ManifestPaths.directory(of: target)): \(error)")
    }
  }

  /// Links the original to the backup name.
  func linkBackup() throws {
    guard let backup else { return }
    guard Glibc.link(target, backup) == 0 else {
      throw QcowError("cannot keep a backup link of '\(name)': \(Errno.last)")
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

import Glibc
import QcowCore

/// The intent journal of one `apply`: which staged file replaces which target, with which
/// backup, and the fingerprints of the old and new versions. It is a text file of tab-separated
/// lines; three kinds of lines end with the SHA-256 of every byte before them, so a torn or
/// damaged journal is recognised:
///
///     qcow-batch-journal  2  ID
///     image  TARGET  STAGED  BACKUP|-
///     begin  CHECKSUM                      (durable before the first staged file exists)
///     version  INDEX  OLD|-  NEW           (fingerprints: SIZE:HASH)
///     commit  CHECKSUM                     (the commit point: durable before the first rename)
///     abort  CHECKSUM                      (a failure after the commit point: roll back)
///
/// Paths inside the journal's directory are recorded relative to it, others absolute, so a
/// directory tree moved or copied whole, journal included, is recovered where it now is.
/// Format 1 (absolute paths, fingerprints `DEVICE:INODE:SIZE:HASH`) is read too.
///
/// It lives beside the manifest as `.NAME.qcow-batch-journal` and is removed when the
/// transaction ends, either way.
struct Journal: Sendable {
  /// One image of the transaction.
  struct Entry: Sendable, Equatable {
    /// The file replaced (symlinks resolved).
    let target: String
    /// The temporary file holding the new version.
    let staged: String
    /// The hard link keeping the old version, when the target existed.
    let backup: String?
    /// The old version, when it existed; recorded at the commit.
    var old: VersionFingerprint?
    /// The new version; recorded at the commit.
    var new: VersionFingerprint?
  }

  /// How far the transaction got.
  enum State: Equatable, Sendable {
    /// The begin record is incomplete: nothing was staged yet.
    case torn
    /// Staging may have started; no rename has happened.
    case begun
    /// The commit point passed: the new versions win.
    case committed
    /// A failure after the commit point: the old versions win.
    case aborted
  }

  static let magic = "qcow-batch-journal"
  /// The format this version writes.
  static let formatVersion = "2"
  /// The formats this version reads.
  static let readableFormats: Set<String> = ["1", "2"]

  /// The journal file.
  let path: String
  /// A random identifier of the transaction.
  let id: String
  /// The images, in manifest order.
  var entries: [Entry]
  /// How far the transaction got.
  private(set) var state: State
  /// The journal's bytes as last read or written.
  private var text: String

  /// The journal path for `manifest`: beside it, hidden.
  static func path(forManifest manifest: String) -> String {
    ManifestPaths.directory(of: manifest) + "/." + ManifestPaths.baseName(of: manifest) + ".qcow-batch-journal"
  }

  /// Whether `name` is a journal's file name.
  static func isJournalName(_ name: String) -> Bool {
    name.hasPrefix(".") && name.hasSuffix(".qcow-batch-journal")
  }

  /// The directories whose entries the transaction changes: the targets' and the journal's,
  /// each once however it is spelled (`.` and its absolute path are one directory).
  var directories: Set<String> {
    let directories = entries.map { ManifestPaths.directory(of: $0.target) } + [ManifestPaths.directory(of: path)]
    return Set(directories.map { ManifestPaths.canonical($0) ?? $0 })
  }

  // MARK: Writing

  /// Creates the journal exclusively with its begin record and makes it durable.
  static func begin(at path: String, entries: [Entry]) throws -> Journal {
    var journal = Journal(path: path, id: StagedImage.randomSuffix(), entries: entries, state: .begun, text: "")
    let directory = ManifestPaths.canonical(ManifestPaths.directory(of: path))
    let recorded = { (file: String) in Journal.recorded(file, inside: directory) }
    var text = JournalLine.fields([magic, formatVersion, journal.id])
    for entry in entries {
      text += JournalLine.fields([
        "image", recorded(entry.target), recorded(entry.staged), entry.backup.map(recorded) ?? "-",
      ])
    }
    text += JournalLine.fields(["begin", SHA256.hex(Array(text.utf8))])
    do {
      try Durability.writeSynced(Array(text.utf8), to: path, at: 0, flags: O_WRONLY | O_CREAT | O_EXCL)
      try Durability.syncDirectory(ManifestPaths.directory(of: path))
    } catch {
      if error != .fileExists { unlink(path) }
      throw QcowError("cannot write the journal '\(path)': \(error)")
    }
    journal.text = text
    return journal
  }

  /// Appends the version records and the commit record, and makes them and the journal's
  /// directory durable: the commit point.
  mutating func commit() throws {
    var added = ""
    for (index, entry) in entries.enumerated() {
      added += JournalLine.fields([
        "version", String(index), entry.old?.description ?? "-", entry.new?.description ?? "-",
      ])
    }
    try append(added, record: "commit")
    state = .committed
  }

  /// Appends the abort record, durably: the old versions win from here on.
  mutating func abort() throws {
    try append("", record: "abort")
    state = .aborted
  }

  /// Appends `lines` and a checksummed `record` line, then syncs the journal and its directory.
  private mutating func append(_ lines: String, record: String) throws {
    var addition = lines
    addition += JournalLine.fields([record, SHA256.hex(Array((text + addition).utf8))])
    do {
      try Durability.writeSynced(Array(addition.utf8), to: path, at: Int64(text.utf8.count), flags: O_WRONLY)
      try Durability.syncDirectory(ManifestPaths.directory(of: path))
    } catch {
      throw QcowError("cannot write the \(record) record to the journal '\(path)': \(error)")
    }
    text += addition
  }

  /// `file` as the journal records it: relative to the journal's canonical `directory` when
  /// inside it, else as it is.
  private static func recorded(_ file: String, inside directory: String?) -> String {
    guard let directory else { return file }
    let prefix = directory == "/" ? "/" : directory + "/"
    return file.hasPrefix(prefix) && file.count > prefix.count ? String(file.dropFirst(prefix.count)) : file
  }

  /// A recorded path resolved as it was recorded: relative to the journal's directory unless absolute.
  private func resolved(_ recorded: String) -> String {
    ManifestPaths.resolve(recorded, in: ManifestPaths.directory(of: path))
  }

  /// Removes the journal and syncs its directory.
  func remove() throws(Errno) {
    try Durability.removeFile(path)
    try Durability.syncDirectory(ManifestPaths.directory(of: path))
  }

  // MARK: Reading

  /// Reads the journal at `path`; nil when there is none. A journal in a format this version
  /// does not read is refused, naming the way out.
  static func read(_ path: String) throws -> Journal? {
    let bytes: [UInt8]
    do {
      bytes = try ManifestPaths.readFile(path, limit: 64 << 20)
    } catch {
      if access(path, F_OK) != 0 { return nil }
      throw QcowError("cannot read the journal '\(path)': \(error)")
    }
    let text = String(decoding: bytes, as: UTF8.self)
    var journal = Journal(path: path, id: "", entries: [], state: .torn, text: text)
    try journal.parse()
    return journal
  }

  /// Fills the journal from `text`, stopping at the first line that does not check out.
  private mutating func parse() throws {
    var consumed = ""
    var lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
    let complete = lines.last == ""
    if complete { lines.removeLast() }
    var id = ""
    var entries: [Entry] = []
    for (number, line) in lines.enumerated() {
      let parts = JournalLine.split(line)
      let checksumOK = parts.count == 2 && parts[1] == SHA256.hex(Array(consumed.utf8))
      switch parts.first {
      case Journal.magic? where consumed.isEmpty && parts.count == 3 && Journal.readableFormats.contains(parts[1]):
        id = parts[2]
      case Journal.magic? where consumed.isEmpty && parts.count == 3 && (complete || number + 1 < lines.count):
        throw QcowError(
          "the journal '\(path)' is in format \(parts[1]), which this qcow-batch (format \(Journal.formatVersion)) "
            + "cannot read: run 'qcow-batch recover' of the version that wrote it, which finishes and removes it")
      case "image"? where state == .torn && parts.count == 4 && !id.isEmpty:
        entries.append(
          Entry(
            target: resolved(parts[1]), staged: resolved(parts[2]), backup: parts[3] == "-" ? nil : resolved(parts[3])))
      case "begin"? where state == .torn && checksumOK:
        state = .begun
      case "version"? where state == .begun && parts.count == 4:
        guard let index = Int(parts[1]), entries.indices.contains(index),
          let new = VersionFingerprint(journalText: parts[3])
        else { return finish(id, entries) }
        entries[index].old = VersionFingerprint(journalText: parts[2])
        entries[index].new = new
      case "commit"? where state == .begun && checksumOK && entries.allSatisfy({ $0.new != nil }):
        state = .committed
      case "abort"? where (state == .committed || state == .begun) && checksumOK:
        state = .aborted
      default:
        return finish(id, entries)
      }
      consumed += line + "\n"
    }
    finish(id, entries)
  }

  private mutating func finish(_ id: String, _ entries: [Entry]) {
    self = Journal(path: path, id: id, entries: state == .torn ? [] : entries, state: state, text: text)
  }
}

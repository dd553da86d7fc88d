import Glibc

/// What the files of one journal entry hold when its transaction is recovered: the target, its
/// staged copy and its backup, each recognised by its content (size and head hash). Whether the
/// target and its backup are one file is asked of the filesystem now, so device and inode
/// numbers that changed since the journal was written do not matter.
struct EntryInspection {
  /// What one file holds.
  enum Content: Equatable {
    case missing
    case unreadable
    case version(VersionFingerprint)

    /// The content of the file at `path`.
    init(path: String) {
      if let version = VersionFingerprint(path: path) {
        self = .version(version)
      } else {
        self = Durability.exists(path) ? .unreadable : .missing
      }
    }
  }

  let entry: Journal.Entry
  let target: Content
  let staged: Content
  /// The backup's content; `missing` too when the target had no old version.
  let backup: Content
  /// Whether the target and its backup are one file: then the target is still the original.
  let targetIsBackup: Bool

  /// Looks at the files of `entry` as they are now.
  init(_ entry: Journal.Entry) {
    self.entry = entry
    target = Content(path: entry.target)
    staged = Content(path: entry.staged)
    backup = entry.backup.map { Content(path: $0) } ?? .missing
    targetIsBackup = entry.backup.map { FileComparison.sameFile(entry.target, $0) } ?? false
  }

  /// Whether the target verifiably holds its old version. A target that did not exist must be
  /// missing. Otherwise its content must match the old fingerprint, where the commit recorded
  /// one, and the target must be its backup or hold the same bytes; with the backup gone (never
  /// linked, or already put back or removed) there is nothing more to compare with.
  func targetHoldsOld() throws -> Bool {
    guard entry.backup != nil else { return target == .missing }
    guard case .version(let current) = target else { return false }
    if let old = entry.old, current != old { return false }
    switch backup {
    case .missing: return true
    case .unreadable: return false
    case .version(let kept):
      guard let backupPath = entry.backup, !targetIsBackup else { return true }
      return try kept == current && FileComparison.sameBytes(entry.target, backupPath)
    }
  }

  /// Whether the target holds its new version: its content matches the new fingerprint, and it
  /// is not its backup, which is always the original file.
  var targetHoldsNew: Bool { holdsNew(target) && !targetIsBackup }

  /// Whether the staged copy holds the new version.
  var stagedHoldsNew: Bool { holdsNew(staged) }

  /// Whether the backup is there and holds the old version (as far as the journal recorded it).
  var backupHoldsOld: Bool {
    guard case .version(let kept) = backup else { return false }
    return entry.old.map { $0 == kept } ?? true
  }

  /// Whether the target's content matches the old fingerprint the commit recorded.
  var targetMatchesOld: Bool {
    guard let old = entry.old, case .version(let current) = target else { return false }
    return current == old
  }

  private func holdsNew(_ content: Content) -> Bool {
    guard let new = entry.new, case .version(let current) = content else { return false }
    return current == new
  }

  /// Which of the entry's files holds what, for a message.
  var account: String {
    var parts = [
      "'\(entry.target)' \(describe(target))" + (targetIsBackup ? " and is one file with its backup" : "")
    ]
    if let backupPath = entry.backup {
      parts.append("its backup '\(backupPath)' \(describe(backup))")
    } else {
      parts.append("it had no old version")
    }
    parts.append("its staged copy '\(entry.staged)' \(describe(staged))")
    return parts.joined(separator: ", ")
  }

  private func describe(_ content: Content) -> String {
    switch content {
    case .missing: return "is missing"
    case .unreadable: return "cannot be read"
    case .version(let version):
      switch (entry.old == version, entry.new == version) {
      case (true, true): return "holds the content of both versions, which look alike"
      case (true, false): return "holds the old version"
      case (false, true): return "holds the new version"
      case (false, false):
        let known = entry.old != nil || entry.new != nil
        return known
          ? "holds neither the old nor the new version (\(version.size) bytes)" : "holds \(version.size) bytes"
      }
    }
  }
}

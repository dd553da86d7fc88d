import Glibc
import QcowCore

/// Brings an interrupted transaction to one end: before the commit point (or after an abort)
/// back to the old versions, after it forward to the new ones. Every step can be repeated, so
/// recovery itself may be interrupted and run again. The caller holds the directory locks.
enum Recovery {
  /// What recovering a journal did.
  enum Outcome: Equatable, Sendable {
    /// The journal's begin record was incomplete; nothing had been staged.
    case discardedTorn
    /// The targets keep (or got back) their old versions.
    case rolledBack
    /// The targets hold their new versions.
    case rolledForward
  }

  /// Finishes the transaction `journal` records, whichever way its state says.
  static func recover(_ journal: Journal) throws -> Outcome {
    switch journal.state {
    case .torn:
      try removeJournal(journal)
      return .discardedTorn
    case .begun, .aborted:
      try rollBack(journal)
      return .rolledBack
    case .committed:
      try rollForward(journal)
      return .rolledForward
    }
  }

  /// Puts every target back to its old version and removes staged files, backups and journal.
  static func rollBack(_ journal: Journal) throws {
    for entry in journal.entries {
      let current = VersionFingerprint(path: entry.target)
      if let new = entry.new, current == new {
        // This target was already replaced: bring the original back, or remove a new file.
        if let backup = entry.backup, Durability.exists(backup) {
          try step("restore '\(entry.target)' from its backup") { () throws(Errno) in
            try Durability.rename(backup, over: entry.target)
          }
        } else if entry.old == nil {
          try step("remove the new '\(entry.target)'") { () throws(Errno) in try Durability.removeFile(entry.target) }
        } else {
          throw QcowError("cannot roll back '\(entry.target)': its backup '\(entry.backup ?? "-")' is gone")
        }
      }
    }
    try syncTargetDirectories(journal)
    try removeLeftovers(journal)
  }

  /// Renames every remaining staged file over its target, checking that each target holds its
  /// old or its new version, then removes backups and journal.
  static func rollForward(_ journal: Journal) throws {
    for entry in journal.entries {
      let current = VersionFingerprint(path: entry.target)
      guard let new = entry.new else { throw QcowError("the journal '\(journal.path)' has no new version") }
      if current == new { continue }
      guard current == entry.old else {
        throw QcowError("cannot roll forward: '\(entry.target)' is neither its old nor its new version")
      }
      guard VersionFingerprint(path: entry.staged) == new else {
        throw QcowError(
          "cannot roll forward: the staged copy '\(entry.staged)' of '\(entry.target)' is missing or changed")
      }
      try step("rename '\(entry.staged)' over '\(entry.target)'") { () throws(Errno) in
        try Durability.rename(entry.staged, over: entry.target)
      }
    }
    try syncTargetDirectories(journal)
    try removeLeftovers(journal)
  }

  /// Removes the staged files and backups still there, syncs, and removes the journal last.
  static func removeLeftovers(_ journal: Journal) throws {
    for entry in journal.entries {
      try step("remove '\(entry.staged)'") { () throws(Errno) in try Durability.removeFile(entry.staged) }
      if let backup = entry.backup {
        try step("remove '\(backup)'") { () throws(Errno) in try Durability.removeFile(backup) }
      }
    }
    try syncTargetDirectories(journal)
    try removeJournal(journal)
  }

  /// Syncs every directory the transaction touches.
  static func syncTargetDirectories(_ journal: Journal) throws {
    for directory in journal.directories.sorted() {
      try step("sync the directory '\(directory)'") { () throws(Errno) in try Durability.syncDirectory(directory) }
    }
  }

  private static func removeJournal(_ journal: Journal) throws {
    try step("remove the journal '\(journal.path)'") { () throws(Errno) in try journal.remove() }
  }

  /// Runs one file operation, turning its errno into a message naming `what`.
  private static func step(_ what: String, _ body: () throws(Errno) -> Void) throws {
    do {
      try body()
    } catch {
      throw QcowError("cannot \(what): \(error)")
    }
  }
}

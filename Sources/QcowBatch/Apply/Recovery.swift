import Glibc
import QcowCore

/// Brings an interrupted transaction to one end: before the commit point (or after an abort)
/// back to the old versions, after it forward to the new ones. Each file is recognised by its
/// content (`EntryInspection`), and every entry is checked before anything changes: when a
/// target cannot be brought to the version the decision needs, recovery stops with every file
/// kept and says which file holds what. A backup is removed only once the target it protects
/// holds the chosen version and is synced. Every step can be repeated, so recovery itself may be
/// interrupted and run again. The caller holds the directory locks.
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
    var restores: [(backup: String, target: String)] = []
    var removals: [String] = []
    var copies: [String] = []
    var problems: [EntryInspection] = []
    for entry in journal.entries {
      let files = EntryInspection(entry)
      if entry.backup == nil {
        // No old version: a new target is removed; anything else there is not this apply's.
        if files.targetHoldsNew { removals.append(entry.target) }
      } else if files.backup == .missing {
        // Never linked, or already put back: only a target that is new cannot be undone.
        if files.targetHoldsNew && !files.targetMatchesOld { problems.append(files) }
      } else if try files.targetHoldsOld() {
        // A copy of its backup (not the same file) must be durable before the backup goes.
        if !files.targetIsBackup { copies.append(entry.target) }
      } else if let backup = entry.backup, files.targetHoldsNew && files.backupHoldsOld {
        restores.append((backup, entry.target))
      } else {
        problems.append(files)
      }
    }
    try refuse(problems, "roll back", needing: "its old version")
    for (backup, target) in restores {
      try step("restore '\(target)' from its backup") { () throws(Errno) in
        try Durability.rename(backup, over: target)
      }
    }
    for target in removals {
      try step("remove the new '\(target)'") { () throws(Errno) in try Durability.removeFile(target) }
    }
    try syncTargetDirectories(journal)
    try step("sync the targets") { () throws(Errno) in try Durability.syncFiles(copies) }
    try removeLeftovers(journal)
  }

  /// Renames every remaining staged file over its target, once each target is checked to hold
  /// its old version (with the staged copy holding the new one) or its new version; then syncs
  /// the targets and removes backups and journal.
  static func rollForward(_ journal: Journal) throws {
    var renames: [(staged: String, target: String)] = []
    var problems: [EntryInspection] = []
    for entry in journal.entries {
      guard entry.new != nil else { throw QcowError("the journal '\(journal.path)' has no new version") }
      let files = EntryInspection(entry)
      if files.stagedHoldsNew, try files.targetHoldsOld() {
        renames.append((entry.staged, entry.target))
      } else if !files.targetHoldsNew {
        problems.append(files)
      }
    }
    try refuse(problems, "roll forward", needing: "its old or its new version")
    for (staged, target) in renames {
      try step("rename '\(staged)' over '\(target)'") { () throws(Errno) in
        try Durability.rename(staged, over: target)
      }
    }
    try syncTargetDirectories(journal)
    try step("sync the targets") { () throws(Errno) in try Durability.syncFiles(journal.entries.map(\.target)) }
    try removeLeftovers(journal)
  }

  /// Fails, before anything was changed, when some entries cannot be finished: says which file
  /// of each holds what.
  private static func refuse(_ problems: [EntryInspection], _ decision: String, needing version: String) throws {
    guard !problems.isEmpty else { return }
    throw QcowError(
      "cannot \(decision), so no file was changed: " + problems.map(\.account).joined(separator: "; ")
        + "; each such target must hold \(version) first")
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

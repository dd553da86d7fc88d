import ArgumentParser
import Glibc
import QcowCore

/// `qcow-batch recover [MANIFEST | DIR]`: finishes applies that were interrupted.
struct RecoverCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "recover",
    abstract: "Finish interrupted applies: roll back before their commit point, forward after it.",
    discussion: """
      An apply keeps its journal beside the manifest, as .NAME.qcow-batch-journal. Given a \
      manifest, recover finishes that manifest's transaction; given a directory (default: the \
      current one), every transaction whose journal is in it. It takes the same locks as apply.
      """
  )

  @Argument(
    help: "A manifest, or a directory holding manifests (default: .).", completion: .file(extensions: ["yaml", "yml"]))
  var location: String = "."

  func run() throws {
    OpenFileLimit.raise()
    var status = stat()
    let journals: [String]
    if stat(location, &status) == 0, status.st_mode & S_IFMT == S_IFDIR {
      journals = try RecoverCommand.journals(in: location)
    } else {
      journals = [Journal.path(forManifest: location)]
    }
    var recovered = 0
    for path in journals {
      var (locks, journal) = try ImageLocks.lockForJournal(path, directories: [])
      defer { locks.release() }
      guard let journal else { continue }
      try RecoverCommand.recover(journal, announce: false)
      recovered += 1
    }
    if recovered == 0 { print("nothing to recover") }
  }

  /// Finishes `journal`'s transaction and prints what happened (on stderr when `announce`, for
  /// apply). Fails with a clear message when the transaction cannot be finished.
  static func recover(_ journal: Journal, announce: Bool) throws {
    let outcome: Recovery.Outcome
    do {
      outcome = try Recovery.recover(journal)
    } catch {
      throw QcowError(
        "an interrupted apply (journal '\(journal.path)') cannot be recovered: \(error); its journal is kept for another 'qcow-batch recover'"
      )
    }
    let what: String
    switch outcome {
    case .discardedTorn: what = "nothing had been staged; its journal was removed"
    case .rolledBack: what = "rolled back: \(PlanReport.count(journal.entries.count, "image")) keep their old versions"
    case .rolledForward:
      what = "rolled forward: \(PlanReport.count(journal.entries.count, "image")) hold their new versions"
    }
    let line = "recovered an interrupted apply (\(journal.path)): \(what)"
    if announce { printError(line) } else { print(line) }
  }

  /// The journals in `directory`.
  static func journals(in directory: String) throws -> [String] {
    guard let handle = opendir(directory) else {
      throw QcowError("cannot read the directory '\(directory)': \(Errno.last)")
    }
    defer { closedir(handle) }
    var names: [String] = []
    while let entry = readdir(handle) {
      let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
        String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
      }
      if Journal.isJournalName(name) { names.append(directory + "/" + name) }
    }
    return names.sorted()
  }
}

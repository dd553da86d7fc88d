import Testing

/// Where in the transaction a system call falls.
enum CrashPhase: String, Sendable {
  /// Before the first removal of a staged file, backup or journal: a failure rolls back.
  case transaction
  /// From the first removal on: the renames are synced and the new versions stand.
  case cleanup
}

/// How apply makes staged files durable (`QCOW_BATCH_SYNC`): an fsync each, as for small
/// batches, or one syncfs per filesystem, as for 16 files or more. The matrix runs under both.
enum SyncStrategy: String, CaseIterable, Sendable {
  case file
  case filesystem

  /// The environment setting that forces this strategy.
  var environment: String { "QCOW_BATCH_SYNC=\(rawValue)" }
}

/// Which apply of the scenario is traced: one that succeeds, or one whose third rename is made
/// to fail, so that it writes the abort record and puts the first two targets back (the abort
/// path).
enum CrashRun: String, CaseIterable, Sendable {
  case clean
  case failedRename

  /// The settings that make the run's failure (`QCOW_BATCH_TEST_FAIL_RENAME`).
  var environment: [String] { self == .clean ? [] : ["QCOW_BATCH_TEST_FAIL_RENAME=3"] }

  /// How the run exits when nothing is injected.
  var status: Int32 { self == .clean ? 0 : 1 }
}

/// One write-class system call of the traced apply: where strace kills or fails it.
struct CrashPoint: Sendable, CustomTestStringConvertible {
  /// The apply traced.
  let run: CrashRun
  /// The sync strategy apply ran with.
  let strategy: SyncStrategy
  /// The system call's name.
  let syscall: String
  /// Its number among the calls of that name, from 1: strace's `when=N`.
  let occurrence: Int
  /// The call as the log shows it, shortened.
  let call: String
  /// Where in the transaction it falls.
  let phase: CrashPhase
  /// The version a kill here must end in after `recover`, when only one is possible: old up to
  /// the commit record's write, new from the first rename, and on the abort path old again
  /// once the abort record is written.
  let afterKill: CrashVersion?

  /// The environment apply runs with: the strategy and the run's failure.
  var environment: [String] { [strategy.environment] + run.environment }

  var testDescription: String {
    (run == .clean ? "" : "rename 3 failing, ") + "\(strategy) sync, \(syscall) #\(occurrence): \(call)"
  }
}

/// A fault strace injects with an error.
enum CrashError: String, CaseIterable, Sendable, CustomTestStringConvertible {
  case eio = "EIO"
  case enospc = "ENOSPC"

  /// How the C library words it.
  var message: String { self == .eio ? "Input/output error" : "No space left on device" }

  var testDescription: String { rawValue }
}

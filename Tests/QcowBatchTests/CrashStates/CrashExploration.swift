import Foundation
import Testing

/// One run of the crash-state explorer: which apply of the crash scenario is traced, how it
/// syncs, which filesystem model makes the crash states and where they are laid out.
struct CrashExploration: Sendable, CustomTestStringConvertible {
  /// A sync that apply is made to leave out (`QCOW_BATCH_TEST_SKIP_SYNC`), to show the explorer
  /// catches it.
  enum SkippedSync: String, Sendable {
    /// The staged files' fsync, or the syncfs of the batch strategy.
    case staged
    /// The target directories' sync before the commit record.
    case directories
  }

  /// The environment variable that sets how many crash states each run explores at most.
  static let budgetVariable = "QCOW_BATCH_CRASH_STATES"
  /// The environment variable that sets the seed of the sampling.
  static let seedVariable = "QCOW_BATCH_CRASH_SEED"
  /// The budget when the variable is unset: small enough for CI (scripts/crash-explore runs more).
  static let defaultBudget = 1500

  var run: CrashRun = .clean
  var strategy: SyncStrategy
  var model: CrashModel
  var placement: CrashStateDirectory.Placement = .sameFilesystem
  var skipped: SkippedSync? = nil

  /// How many crash states the run explores at most.
  var budget: Int {
    Int(ProcessInfo.processInfo.environment[CrashExploration.budgetVariable] ?? "") ?? Self.defaultBudget
  }
  /// The seed of the sampling.
  var seed: UInt64 { UInt64(ProcessInfo.processInfo.environment[CrashExploration.seedVariable] ?? "") ?? 16 }

  /// The environment the traced apply runs with.
  var environment: [String] {
    [strategy.environment] + run.environment + (skipped.map { ["QCOW_BATCH_TEST_SKIP_SYNC=\($0.rawValue)"] } ?? [])
  }

  var testDescription: String {
    var parts = [run == .clean ? "clean apply" : "rename 3 failing", "\(strategy) sync", model.testDescription]
    if placement == .otherFilesystem { parts.append("on another filesystem") }
    if let skipped { parts.append("\(skipped.rawValue) sync left out") }
    return parts.joined(separator: ", ")
  }
}

import Foundation
import Testing

/// One run of the crash-state explorer: which apply of which scenario is traced, how it syncs,
/// which filesystem model makes the crash states and where they are laid out.
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
  /// The transaction traced: its manifest, images and versions.
  var scenario: CrashStateScenario = .fiveImages
  var run: CrashRun = .clean
  var strategy: SyncStrategy
  var model: CrashModel
  var placement: CrashStateDirectory.Placement = .sameFilesystem
  var skipped: SkippedSync? = nil
  /// On how many of the trees recover runs on, at most, a recover is traced and cut by power in
  /// its turn (trees spread over the run).
  var interruptedRecoveries = 0
  /// What part of the configured budget the run explores: 5 for a fifth.
  var share = 1

  /// How many crash states the run explores at most: its share of the configured budget.
  var budget: Int { max(1, CrashExploration.configuredBudget(scenario) / share) }

  /// The budget `QCOW_BATCH_CRASH_STATES` sets, else the scenario's default (small enough for CI;
  /// scripts/crash-explore runs more).
  static func configuredBudget(_ scenario: CrashStateScenario) -> Int {
    let configured = Int(ProcessInfo.processInfo.environment[budgetVariable] ?? "") ?? scenario.defaultBudget
    return min(max(configured, 0), 10_000_000)
  }

  /// How many crash states each interrupted recover explores at most.
  var recoveryBudget: Int { max(50, budget / 10) }

  /// The seed of the sampling; one more on another filesystem, so that a sampled run there
  /// draws other states than its twin.
  var seed: UInt64 {
    let configured = UInt64(ProcessInfo.processInfo.environment[CrashExploration.seedVariable] ?? "") ?? 16
    return placement == .otherFilesystem ? configured &+ 1 : configured
  }

  /// The environment the traced apply runs with.
  var environment: [String] {
    [strategy.environment] + run.environment + (skipped.map { ["QCOW_BATCH_TEST_SKIP_SYNC=\($0.rawValue)"] } ?? [])
  }

  var testDescription: String {
    var parts = [scenario.title, run == .clean ? "clean apply" : "rename 3 failing"]
    parts += ["\(strategy) sync", model.testDescription]
    if placement == .otherFilesystem { parts.append("on another filesystem") }
    if let skipped { parts.append("\(skipped.rawValue) sync left out") }
    if interruptedRecoveries > 0 { parts.append("recover cut by power too") }
    return parts.joined(separator: ", ")
  }
}

import Testing

// Power loss, not only kills: the crash-state explorer (CrashStates/) traces the five-image apply
// of the crash scenario and the apply of a build graph, makes the crash states a POSIX filesystem,
// or ext4 with data=ordered, may leave after a power cut at any point (sampled where there are more
// than QCOW_BATCH_CRASH_STATES), and checks that `recover` ends every one all old or all new with
// nothing left. scripts/crash-explore runs it with a larger budget.

@Suite("crash states: whatever a power cut leaves recovers to all old or all new")
struct CrashStateExplorerTests {
  /// The runs of each scenario: the clean apply under both sync strategies and both models, and
  /// the abort path. Under POSIX with an fsync per file, the recovers of one tree at each of a
  /// number of crash points are cut by power in their turn.
  static let runs: [CrashExploration] = CrashStateScenario.allCases.flatMap { scenario in
    (SyncStrategy.allCases.flatMap { strategy in
      CrashModel.allCases.map { CrashExploration(scenario: scenario, strategy: strategy, model: $0) }
    }
      + SyncStrategy.allCases.map {
        CrashExploration(scenario: scenario, run: .failedRename, strategy: $0, model: .posix)
      })
      .map { exploration in
        var exploration = exploration
        if exploration.model == .posix && exploration.strategy == .file {
          exploration.interruptedRecoveries = exploration.budget / 75
        }
        return exploration
      }
  }

  /// The runs on a filesystem that comes back under another device number: each scenario under
  /// both sync strategies.
  static let renumberedRuns: [CrashExploration] = CrashStateScenario.allCases.flatMap { scenario in
    SyncStrategy.allCases.map {
      CrashExploration(scenario: scenario, strategy: $0, model: .posix, placement: .otherFilesystem)
    }
  }

  /// The applies that leave out a sync, in each scenario, on a fifth of the budget.
  static let brokenRuns: [CrashExploration] = CrashStateScenario.allCases.flatMap { scenario in
    [CrashExploration.SkippedSync.staged, .directories].map {
      CrashExploration(scenario: scenario, strategy: .file, model: .posix, skipped: $0, share: 5)
    }
  }

  @Test(
    "every crash state of the apply recovers to all old or all new, nothing left",
    .enabled(if: CrashTrace.available, "strace is missing or cannot trace here"),
    arguments: runs)
  func explore(_ exploration: CrashExploration) throws {
    try expectRecovered(exploration)
  }

  @Test(
    "on a filesystem that comes back under another device number, every crash state recovers there",
    .enabled(if: CrashTrace.available, "strace is missing or cannot trace here"),
    .enabled(if: Tmpfs.permitted, "mounting a tmpfs is not permitted here"),
    arguments: renumberedRuns)
  func renumbered(_ exploration: CrashExploration) throws {
    try expectRecovered(exploration)
  }

  @Test(
    "an apply that leaves out a sync before the commit record is caught",
    .enabled(if: CrashTrace.available, "strace is missing or cannot trace here"),
    arguments: brokenRuns)
  func broken(_ exploration: CrashExploration) throws {
    let report = try CrashStateExplorer.explore(exploration)
    print(report.summary(exploration.testDescription, seed: exploration.seed))
    #expect(report.failures > 0, "the explorer found nothing wrong with an apply that leaves out a sync")
    if let example = report.examples.first { print("  for example: \(example)") }
  }

  @Test("the build graph builds entries from entries, replaces three images and makes two")
  func buildGraph() throws {
    let reference = try CrashStateScenario.buildGraph.reference.get()
    #expect(reference.targets.filter { reference.old.files[$0] == nil } == ["top.qcow2", "out/small.qcow2"])
    let scratch = try ApplyScratch("crash-states-graph")
    defer { scratch.remove() }
    let plan = try TestSupport.qcowBatch(["plan", try CrashBuildGraph.prepare(scratch)])
    let order = plan.out.split(separator: "\n").filter { !$0.hasPrefix(" ") && $0.contains(".qcow2") }
      .map { String($0.prefix { $0 != " " }) }
    #expect(order == ["base.qcow2", "top.qcow2", "out/copy.qcow2", "tmpl.qcow2", "out/small.qcow2"], "\(plan.out)")
    let built = ["(from top.qcow2, built first)", "(from tmpl.qcow2, built first)"]
    #expect(built.allSatisfy { plan.out.contains($0) }, "\(plan.out)")
  }

  /// Explores `exploration` and expects every state to recover, and the budget to be used.
  private func expectRecovered(_ exploration: CrashExploration) throws {
    let report = try CrashStateExplorer.explore(exploration)
    print(report.summary(exploration.testDescription, seed: exploration.seed))
    #expect(report.exhaustive || report.states >= exploration.budget, "only \(report.states) crash states explored")
    #expect(report.trees > 0 && report.old > 0 && report.new > 0, "not both ways explored")
    #expect(report.failures == 0, "\(report.failures) crash states fail: \(report.examples.joined(separator: "\n"))")
  }
}

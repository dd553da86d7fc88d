/// A transaction the crash-state explorer traces: the images and manifest it starts from, the
/// targets it changes and their old and new versions.
enum CrashStateScenario: String, CaseIterable, Sendable {
  /// The five-image apply of the crash tests (`CrashScenario`): in-place edits, `from` copies
  /// and setup steps.
  case fiveImages
  /// A build graph (`CrashBuildGraph`): entries made from other entries' staged files.
  case buildGraph

  /// The targets, relative to the manifest.
  var targets: [String] {
    switch self {
    case .fiveImages: CrashScenario.targets
    case .buildGraph: CrashBuildGraph.targets
    }
  }

  /// How many crash states a run explores at most when `QCOW_BATCH_CRASH_STATES` is unset:
  /// small enough for CI.
  var defaultBudget: Int {
    switch self {
    case .fiveImages: 1500
    case .buildGraph: 400
    }
  }

  /// Makes the images and the manifest in `scratch`; returns the manifest's absolute path.
  func prepare(_ scratch: ApplyScratch) throws -> String {
    switch self {
    case .fiveImages: try CrashScenario.prepare(scratch)
    case .buildGraph: try CrashBuildGraph.prepare(scratch)
    }
  }

  /// The old and new trees, made once per scenario.
  var reference: Result<CrashStateReference, ApplyTestError> {
    switch self {
    case .fiveImages: CrashStateScenario.fiveImagesReference
    case .buildGraph: CrashStateScenario.buildGraphReference
    }
  }

  private static let fiveImagesReference = CrashStateReference.make(.fiveImages)
  private static let buildGraphReference = CrashStateReference.make(.buildGraph)

  /// The scenario's name in a run's description.
  var title: String {
    switch self {
    case .fiveImages: "five images"
    case .buildGraph: "build graph"
    }
  }
}

/// A transaction the crash-state explorer traces: the images and manifest it starts from, the
/// targets it changes and their old and new versions.
enum CrashStateScenario: String, CaseIterable, Sendable {
  /// The five-image apply of the crash tests (`CrashScenario`): in-place edits, `from` copies
  /// and setup steps.
  case fiveImages

  /// The targets, relative to the manifest.
  var targets: [String] {
    switch self {
    case .fiveImages: CrashScenario.targets
    }
  }

  /// How many crash states a run explores at most when `QCOW_BATCH_CRASH_STATES` is unset:
  /// small enough for CI.
  var defaultBudget: Int {
    switch self {
    case .fiveImages: 1500
    }
  }

  /// Makes the images and the manifest in `scratch`; returns the manifest's absolute path.
  func prepare(_ scratch: ApplyScratch) throws -> String {
    switch self {
    case .fiveImages: try CrashScenario.prepare(scratch)
    }
  }

  /// The old and new trees, made once per scenario.
  var reference: Result<CrashStateReference, ApplyTestError> {
    switch self {
    case .fiveImages: CrashStateScenario.fiveImagesReference
    }
  }

  private static let fiveImagesReference = CrashStateReference.make(.fiveImages)

  /// The scenario's name in a run's description.
  var title: String {
    switch self {
    case .fiveImages: "five images"
    }
  }
}

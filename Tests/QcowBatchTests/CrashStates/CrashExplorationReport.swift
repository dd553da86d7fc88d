/// What one run of the crash-state explorer explored and found.
struct CrashExplorationReport {
  /// The crash points: one before the first effective call and one after each.
  var points = 0
  /// The persistence units the trace made that change bytes or names.
  var units = 0
  /// The units left out because they write zeros over zeros, changing nothing either way.
  var zeroWrites = 0
  /// How many states the points have in all, saturating at `UInt64.max`.
  var space: UInt64 = 0
  /// Whether every state was explored.
  var exhaustive = false
  /// How many distinct states there are, where the sample could tell.
  var distinct: Int?
  /// The distinct crash states explored.
  var states = 0
  /// The distinct trees they leave, on each of which `recover` ran.
  var trees = 0
  /// The trees recover rolled back to the old versions, and forward to the new ones.
  var old = 0
  var new = 0
  /// The recovers traced and cut by power in their turn, and the crash states and trees of theirs explored.
  var recoveries = 0
  var recoveryStates = 0
  var recoveryTrees = 0
  /// The states that did not end all old or all new, or broke another rule.
  var failures = 0
  /// The first failures, described.
  var examples: [String] = []
  /// How long the run took, in seconds.
  var seconds = 0.0

  /// Records a failure, keeping the first few descriptions.
  mutating func fail(_ description: String) {
    failures += 1
    if examples.count < 3 { examples.append(description) }
  }

  /// Adds what exploring the crash states of a recover found; `interrupted` names the crash
  /// state that recover was finishing.
  mutating func absorb(_ inner: CrashExplorationReport, interrupting interrupted: String) {
    recoveries += 1
    recoveryStates += inner.states
    recoveryTrees += inner.trees
    for example in inner.examples.prefix(1) { fail("a recover of \(interrupted), cut at \(example)") }
    failures += max(0, inner.failures - 1)
  }

  /// One line for the log.
  func summary(_ title: String, seed: UInt64) -> String {
    let summed = "\(space == UInt64.max ? "over 2^64" : "\(space)") summed over the points"
    let explored: String
    if exhaustive || distinct != nil {
      let taken = exhaustive ? "all \(states)" : "\(states) sampled (seed \(seed)) of \(distinct ?? states) distinct"
      explored = "\(taken) crash states at \(points) points (\(summed))"
    } else {
      explored = "\(states) sampled (seed \(seed)) of the crash states at \(points) points (\(summed))"
    }
    return "crash states, \(title): \(explored) of \(units) units "
      + "(and \(zeroWrites) writes of zeros over zeros); \(trees) distinct trees "
      + "recovered (\(old) to all old, \(new) to all new); "
      + (recoveries > 0
        ? "\(recoveries) recovers cut by power: \(recoveryStates) crash states, \(recoveryTrees) trees; " : "")
      + "\(failures) failing; "
      + "\((seconds * 10).rounded() / 10) s"
  }
}

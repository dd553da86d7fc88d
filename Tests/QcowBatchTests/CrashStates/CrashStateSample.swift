/// The crash states one run explores: every distinct state of its points when there are no more
/// than its budget, else a sample of distinct states. Each point gets its share of the budget,
/// points with fewer states than their share give the rest to the others, and each sampled point
/// starts with its two extremes (nothing that is not durable persisted, and everything made
/// persisted), as far as its share goes.
struct CrashStateSample {
  /// Up to how many states (counted at each point) are listed to find the distinct ones.
  static let enumerationLimit: UInt64 = 200_000

  /// The distinct states, in the order they were chosen.
  private(set) var states: [CrashState] = []
  /// How many states the points have in all (a state possible at several points counts at each),
  /// saturating at `UInt64.max`.
  let total: UInt64
  /// Whether every distinct state was taken.
  private(set) var exhaustive = false
  /// How many distinct states there are, where they were few enough to list.
  private(set) var distinct: Int?
  private var seen: Set<UnitSet> = []

  /// Chooses at most `budget` states from `spaces`, drawing with `seed`.
  init(_ spaces: [CrashPointSpace], budget: Int, seed: UInt64) {
    let counts = spaces.map(\.count)
    total = counts.reduce(UInt64(0)) { $0.addingReportingOverflow($1).overflow ? UInt64.max : $0 + $1 }
    if total <= CrashStateSample.enumerationLimit {
      for space in spaces {
        for index in 0..<space.count { add(space.state(index), at: space.point) }
      }
      distinct = states.count
      exhaustive = states.count <= budget
      if exhaustive { return }
      states = []
      seen = []
    }
    var generator = SeededGenerator(seed: seed)
    // Water-filling: the smallest spaces first, each taking at most an even share of what is left.
    var left = budget
    var shares = [Int](repeating: 0, count: spaces.count)
    for (rank, index) in counts.indices.sorted(by: { counts[$0] < counts[$1] }).enumerated() {
      let share = left / (spaces.count - rank)
      shares[index] = counts[index] < UInt64(share) ? Int(counts[index]) : share
      left -= shares[index]
    }
    for (index, space) in spaces.enumerated() {
      if UInt64(shares[index]) == counts[index] {
        for state in 0..<counts[index] { add(space.state(state), at: space.point) }
        continue
      }
      let target = states.count + shares[index]
      for extreme in space.extremes.prefix(shares[index]) { add(extreme, at: space.point) }
      var attempts = 0
      while states.count < target && attempts < 8 * shares[index] {
        add(space.randomState(using: &generator), at: space.point)
        attempts += 1
      }
    }
    // States shared between points leave the sample short: top it up from the larger spaces.
    let large = spaces.indices.filter { UInt64(shares[$0]) < counts[$0] }
    var attempts = 0
    while states.count < budget && !large.isEmpty && attempts < 8 * budget {
      let space = spaces[large[Int.random(in: 0..<large.count, using: &generator)]]
      add(space.randomState(using: &generator), at: space.point)
      attempts += 1
    }
  }

  /// Takes `persisted`, first seen at `point`, unless it was taken already.
  private mutating func add(_ persisted: UnitSet, at point: Int) {
    if seen.insert(persisted).inserted { states.append(CrashState(point: point, persisted: persisted)) }
  }
}

/// The crash states possible at one crash point: the units every state there persisted, and the
/// choice among the others that a power cut may or may not have persisted.
struct CrashPointSpace {
  /// Which of the units that are not durable a state may hold.
  enum Choice {
    /// Any subset (POSIX).
    case subset([Int])
    /// A prefix of `metadata`, with every unit of `data` made before the prefix's last unit, and
    /// any subset of the rest of `data` (ext4 data=ordered).
    case orderedPrefix(metadata: [Int], data: [Int])
  }

  /// The crash point: after this many of the trace's effective calls.
  let point: Int
  /// How many units the trace made in all (the size of each state's set).
  let unitCount: Int
  /// The units every state here holds: made and made durable by a sync before the point.
  let durable: [Int]
  let choice: Choice

  /// How many states there are here, saturating at `UInt64.max`.
  var count: UInt64 {
    switch choice {
    case .subset(let free): return CrashPointSpace.power(free.count)
    case .orderedPrefix(let metadata, let data):
      return (0...metadata.count).reduce(UInt64(0)) { total, prefix in
        let (sum, overflow) = total.addingReportingOverflow(
          CrashPointSpace.power(CrashPointSpace.split(metadata, data, prefix).free.count))
        return overflow ? UInt64.max : sum
      }
    }
  }

  /// The state numbered `index`, below `count` (which must not have saturated).
  func state(_ index: UInt64) -> UnitSet {
    switch choice {
    case .subset(let free): return set(durable, free, index)
    case .orderedPrefix(let metadata, let data):
      var rest = index
      for prefix in 0...metadata.count {
        let (forced, free) = CrashPointSpace.split(metadata, data, prefix)
        let states = CrashPointSpace.power(free.count)
        if rest < states { return set(durable + metadata.prefix(prefix) + forced, free, rest) }
        rest -= states
      }
      return set(durable + metadata + data, [], 0)
    }
  }

  /// A state drawn at random: uniformly where `count` has not saturated, else each free unit
  /// (after a prefix drawn uniformly) persisted with even odds.
  func randomState(using generator: inout SeededGenerator) -> UnitSet {
    let total = count
    if total < UInt64.max { return state(UInt64.random(in: 0..<total, using: &generator)) }
    let (fixed, free): ([Int], [Int])
    switch choice {
    case .subset(let units): (fixed, free) = ([], units)
    case .orderedPrefix(let metadata, let data):
      let prefix = Int.random(in: 0...metadata.count, using: &generator)
      let (forced, rest) = CrashPointSpace.split(metadata, data, prefix)
      (fixed, free) = (Array(metadata.prefix(prefix)) + forced, rest)
    }
    var units = UnitSet(capacity: unitCount)
    for unit in durable + fixed { units.insert(unit) }
    for unit in free where Bool.random(using: &generator) { units.insert(unit) }
    return units
  }

  /// The state holding every unit made before the point, and the one holding only the durable ones.
  var extremes: [UnitSet] {
    switch choice {
    case .subset(let free): return [set(durable, free, 0), set(durable + free, [], 0)]
    case .orderedPrefix(let metadata, let data): return [set(durable, [], 0), set(durable + metadata + data, [], 0)]
    }
  }

  /// `fixed` and the units of `free` whose bits are set in `mask`.
  private func set(_ fixed: [Int], _ free: [Int], _ mask: UInt64) -> UnitSet {
    var units = UnitSet(capacity: unitCount)
    for unit in fixed { units.insert(unit) }
    for (bit, unit) in free.enumerated() where bit < 64 && mask & (1 << UInt64(bit)) != 0 { units.insert(unit) }
    return units
  }

  /// For a metadata prefix of length `prefix`: the data units it forces (made before its last
  /// unit) and those still free.
  private static func split(_ metadata: [Int], _ data: [Int], _ prefix: Int) -> (forced: [Int], free: [Int]) {
    guard prefix > 0 else { return ([], data) }
    let last = metadata[prefix - 1]
    return (data.filter { $0 < last }, data.filter { $0 > last })
  }

  /// 2^exponent, saturating at `UInt64.max`.
  private static func power(_ exponent: Int) -> UInt64 {
    exponent >= 64 ? UInt64.max : 1 << UInt64(exponent)
  }
}

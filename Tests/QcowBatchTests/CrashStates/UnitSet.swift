/// A set of persistence units by index, as a bit set: which units a crash state persisted.
struct UnitSet: Hashable {
  private var words: [UInt64]

  /// An empty set for units `0..<count`.
  init(capacity count: Int) {
    words = [UInt64](repeating: 0, count: (count + 63) / 64)
  }

  /// Adds `unit`.
  mutating func insert(_ unit: Int) {
    words[unit / 64] |= 1 << UInt64(unit % 64)
  }

  /// Whether `unit` is in the set.
  func contains(_ unit: Int) -> Bool {
    words[unit / 64] & (1 << UInt64(unit % 64)) != 0
  }

  /// Whether every unit of `units` is in the set.
  func containsAll(_ units: [Int]) -> Bool { units.allSatisfy(contains) }

  /// Whether no unit of `units` is in the set.
  func containsNone(_ units: [Int]) -> Bool { !units.contains(where: contains) }
}

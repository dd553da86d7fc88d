/// The cluster arithmetic of one qcow2 image: sizes, table indexes and entry widths.
struct ClusterGeometry: Sendable {
  let clusterBits: Int
  let extendedL2: Bool
  /// The guest size in bytes.
  let virtualSize: UInt64

  var clusterSize: UInt64 { 1 << UInt64(clusterBits) }
  /// Entries per L2 table.
  var l2Entries: UInt64 { clusterSize / (extendedL2 ? 16 : 8) }
  /// Bytes of guest data one L2 table maps.
  var l2Coverage: UInt64 { clusterSize * l2Entries }
  /// Subclusters per cluster: 32 with extended L2 entries, else 1.
  var subclusters: UInt64 { extendedL2 ? 32 : 1 }
  var subclusterSize: UInt64 { clusterSize / subclusters }

  func l1Index(_ guest: UInt64) -> UInt64 { guest / l2Coverage }
  func l2Index(_ guest: UInt64) -> UInt64 { guest / clusterSize % l2Entries }
  func offsetInCluster(_ value: UInt64) -> UInt64 { value & (clusterSize - 1) }
  func startOfCluster(_ value: UInt64) -> UInt64 { value & ~(clusterSize - 1) }
  func subclusterIndex(_ guest: UInt64) -> UInt64 { offsetInCluster(guest) / subclusterSize }
  /// `value` rounded up to a multiple of `unit` (a power of two); `value` is below 2^63.
  func roundUp(_ value: UInt64, to unit: UInt64) -> UInt64 { (value + unit - 1) & ~(unit - 1) }
}

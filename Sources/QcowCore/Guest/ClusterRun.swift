/// Clusters one write allocates or overwrites in place, with the bytes around the write
/// that must be copied into them (QEMU's `QCowL2Meta`). Offsets of the copy regions are
/// relative to the first cluster.
struct ClusterRun {
  /// The first host cluster.
  let host: UInt64
  /// The guest offset of the first cluster.
  let guest: UInt64
  let clusters: UInt64
  /// Whether the clusters are the ones already mapped (written in place).
  let keepOld: Bool
  let copyStart: Range<UInt64>
  let copyEnd: Range<UInt64>
}

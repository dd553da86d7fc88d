extension GuestImage {
  /// qemu-io `discard`: the clusters wholly inside the range (and a partial last cluster that
  /// ends the image) are released, their host clusters punched out of the file, and they read
  /// as zeros afterwards (zero flags on version 3; unallocated on version 2, where QEMU
  /// ignores the discard when there is a backing file).
  mutating func discard(at guest: UInt64, length: UInt64) throws {
    // Without zero flags, a discard would show stale backing data: QEMU ignores it.
    if version < 3 && backing != nil { return }
    let cs = geometry.clusterSize
    let start = geometry.roundUp(guest, to: cs)
    var end = geometry.startOfCluster(guest + length)
    if guest + length == geometry.virtualSize { end = guest + length }
    guard start < end else { return }
    try discardClusters(from: start, to: end)
  }

  /// `qcow2_cluster_discard` with `full_discard` false and discards passed down.
  mutating func discardClusters(from start: UInt64, to end: UInt64) throws {
    var guest = start
    while guest < end {
      _ = try clusterTable(for: guest)
      let old = try entry(at: guest)
      var new = old
      if backing != nil || old.isAllocated(extendedL2: geometry.extendedL2) {
        if geometry.extendedL2 {
          new = L2Entry(entry: 0, bitmap: L2Entry.allZeroes)
        } else {
          new = L2Entry(entry: version >= 3 ? L2Entry.zeroFlag : 0, bitmap: 0)
        }
      }
      if new != old {
        setEntry(new, at: guest)
        try freeCluster(of: old, discard: true)
      }
      guard guest <= UInt64.max - geometry.clusterSize else { break }
      guest = geometry.startOfCluster(guest) + geometry.clusterSize
    }
  }
}

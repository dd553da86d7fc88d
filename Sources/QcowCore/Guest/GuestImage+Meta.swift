extension GuestImage {
  /// `calculate_l2_meta`: the run a write of `bytes` at `guest` makes in the clusters from
  /// `host`, with the regions around it to copy; nil when an in-place write needs no copy.
  func l2Meta(host: UInt64, guest: UInt64, bytes: UInt64, table: [L2Entry], keepOld: Bool) throws -> ClusterRun? {
    let extended = geometry.extendedL2
    let index = Int(geometry.l2Index(guest))
    let startTo = geometry.offsetInCluster(guest)
    let endFrom = startTo + bytes
    let clusters = geometry.roundUp(endFrom, to: geometry.clusterSize) >> UInt64(geometry.clusterBits)
    let subclusterBits = UInt64(geometry.subclusterSize.trailingZeroBitCount)
    var skipCopy = keepOld
    for cluster in 0..<clusters {
      let entry = table[index + Int(cluster)]
      let type: L2Entry.SubclusterType
      if skipCopy {
        let from = max(startTo, cluster * geometry.clusterSize)
        let to = min(endFrom, (cluster + 1) * geometry.clusterSize)
        let first = geometry.subclusterIndex(from)
        let last = geometry.subclusterIndex(to - 1)
        let range = rangeType(entry, from: first)
        type = range.type
        if type != .normal || first + range.count <= last { skipCopy = false }
      } else {
        type = entry.subclusterType(0, extendedL2: extended)
      }
      if type == .invalid { throw QcowError("Invalid cluster entry found (L2 index: \(index + Int(cluster)))") }
    }
    if skipCopy { return nil }
    let first = table[index]
    let firstSubcluster = geometry.subclusterIndex(guest)
    let startFrom: UInt64
    switch (first.subclusterType(firstSubcluster, extendedL2: extended), keepOld) {
    case (.compressed, false): startFrom = 0
    case (.normal, false), (.zeroAllocated, false), (.unallocatedAllocated, false):
      let allocated = UInt32(truncatingIfNeeded: first.bitmap & L2Entry.allAllocated)
      startFrom = extended ? min(firstSubcluster, UInt64(allocated.trailingZeroBitCount)) << subclusterBits : 0
    case (.zeroPlain, false), (.unallocatedPlain, false): startFrom = firstSubcluster << subclusterBits
    case (.normal, true): startFrom = startTo
    case (.zeroAllocated, true), (.unallocatedAllocated, true): startFrom = firstSubcluster << subclusterBits
    default: throw QcowError("unexpected cluster type at guest offset \(guest)")
    }
    let last = table[index + Int(clusters) - 1]
    let lastSubcluster = geometry.subclusterIndex(guest + bytes - 1)
    let endTo: UInt64
    switch (last.subclusterType(lastSubcluster, extendedL2: extended), keepOld) {
    case (.compressed, false): endTo = geometry.roundUp(endFrom, to: geometry.clusterSize)
    case (.normal, false), (.zeroAllocated, false), (.unallocatedAllocated, false):
      let allocated = UInt32(truncatingIfNeeded: last.bitmap & L2Entry.allAllocated)
      let trailing = extended ? min(31 - lastSubcluster, UInt64(allocated.leadingZeroBitCount)) << subclusterBits : 0
      endTo = geometry.roundUp(endFrom, to: geometry.clusterSize) - trailing
    case (.zeroPlain, false), (.unallocatedPlain, false): endTo = geometry.roundUp(endFrom, to: geometry.subclusterSize)
    case (.normal, true): endTo = endFrom
    case (.zeroAllocated, true), (.unallocatedAllocated, true):
      endTo = geometry.roundUp(endFrom, to: geometry.subclusterSize)
    default: throw QcowError("unexpected cluster type at guest offset \(guest)")
    }
    return ClusterRun(
      host: host, guest: geometry.startOfCluster(guest), clusters: clusters, keepOld: keepOld,
      copyStart: startFrom..<startTo, copyEnd: endFrom..<endTo)
  }

  /// `qcow2_get_subcluster_range_type`: the type at subcluster `from` and how many
  /// subclusters from there share it.
  private func rangeType(_ entry: L2Entry, from: UInt64) -> (type: L2Entry.SubclusterType, count: UInt64) {
    let type = entry.subclusterType(from, extendedL2: geometry.extendedL2)
    guard geometry.extendedL2, type != .compressed, type != .invalid else { return (type, geometry.subclusters - from) }
    let below = UInt32(truncatingIfNeeded: (UInt64(1) << from) - 1)
    let allocated = UInt32(truncatingIfNeeded: entry.bitmap)
    let zero = UInt32(truncatingIfNeeded: entry.bitmap >> 32)
    switch type {
    case .normal: return (type, UInt64((~(allocated | below)).trailingZeroBitCount) - from)
    case .zeroPlain, .zeroAllocated: return (type, UInt64((~(zero | below)).trailingZeroBitCount) - from)
    default: return (type, UInt64(((zero | allocated) & ~below).trailingZeroBitCount) - from)
    }
  }
}

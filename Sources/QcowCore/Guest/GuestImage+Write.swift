extension GuestImage {
  /// The largest request QEMU's block layer passes down at once (`BDRV_REQUEST_MAX_BYTES`).
  static let requestLimit: UInt64 = 0x7fff_fe00

  /// `qcow2_co_pwritev_part` of `length` bytes of `pattern` at guest offset `guest`: clusters
  /// allocated (or reused in place) chunk by chunk, the bytes around an unaligned write copied
  /// from what the guest read there before, then the L2 entries linked.
  mutating func write(pattern: UInt8, at guest: UInt64, length: UInt64) throws {
    var offset = guest
    var remaining = length
    while remaining > 0 {
      let (host, bytes, runs) = try allocateHostRange(at: offset, length: min(remaining, GuestImage.requestLimit))
      var copies: [(UInt64, [UInt8])] = []
      for run in runs {
        for region in [run.copyStart, run.copyEnd] where !region.isEmpty {
          copies.append(
            (
              run.host + region.lowerBound,
              try readGuest(at: run.guest + region.lowerBound, count: UInt64(region.count))
            ))
        }
      }
      try fill(pattern, count: bytes, at: host)
      for (at, data) in copies { try put(data, at: at) }
      for run in runs { try link(run) }
      offset += bytes
      remaining -= bytes
    }
  }

  /// `qcow2_alloc_host_offset`: the contiguous host range for as much of the request as fits.
  private mutating func allocateHostRange(
    at guest: UInt64, length: UInt64
  ) throws -> (host: UInt64, bytes: UInt64, runs: [ClusterRun]) {
    var start = guest
    var remaining = length
    var clusterOffset: UInt64?
    var host: UInt64?
    var current: UInt64 = 0
    var runs: [ClusterRun] = []
    while true {
      if host == nil, let clusterOffset { host = clusterOffset }
      start += current
      remaining -= current
      clusterOffset = clusterOffset.map { $0 + current }
      if remaining == 0 { break }
      current = remaining
      if try handleCopied(at: start, host: &clusterOffset, bytes: &current, runs: &runs) { continue }
      if current == 0 { break }
      if try handleAlloc(at: start, host: &clusterOffset, bytes: &current, runs: &runs) { continue }
      break
    }
    guard let host else { throw QcowError("no host clusters for guest offset \(guest)") }
    return (host, length - remaining, runs)
  }

  /// The L2 table for `guest` (allocated or unshared first, as `get_cluster_table` does), the
  /// entry's index in it, and how many clusters of a request of `bytes` it maps.
  private mutating func tableSlice(at guest: UInt64, bytes: UInt64) throws -> (
    table: [L2Entry], index: Int, count: UInt64
  ) {
    let bits = UInt64(geometry.clusterBits)
    let wanted = geometry.roundUp(geometry.offsetInCluster(guest) + bytes, to: geometry.clusterSize) >> bits
    let count = min(wanted, geometry.l2Entries - geometry.l2Index(guest), GuestImage.requestLimit >> bits)
    let table = try l2Table(at: try clusterTable(for: guest))
    return (table, Int(geometry.l2Index(guest)), count)
  }

  /// `handle_copied`: clusters already mapped with refcount 1, written in place.
  private mutating func handleCopied(
    at guest: UInt64, host: inout UInt64?, bytes: inout UInt64, runs: inout [ClusterRun]
  ) throws -> Bool {
    let (table, index, count) = try tableSlice(at: guest, bytes: bytes)
    let entry = table[index]
    guard !entry.needsNewAllocation(extendedL2: geometry.extendedL2) else { return false }
    guard geometry.offsetInCluster(entry.offset) == 0 else {
      throw QcowError("Data cluster offset \(FieldFormat.hex.render(entry.offset)) unaligned (guest offset: \(guest))")
    }
    if let wanted = host, wanted != entry.offset {
      bytes = 0
      return false
    }
    let keep = countSingleWrite(table, from: index, count: count, newAllocation: false)
    bytes = min(bytes, keep * geometry.clusterSize - geometry.offsetInCluster(guest))
    if let run = try l2Meta(host: entry.offset, guest: guest, bytes: bytes, table: table, keepOld: true) {
      runs.append(run)
    }
    host = entry.offset + geometry.offsetInCluster(guest)
    return true
  }

  /// `handle_alloc`: new clusters for unallocated, shared, compressed or zero clusters.
  private mutating func handleAlloc(
    at guest: UInt64, host: inout UInt64?, bytes: inout UInt64, runs: inout [ClusterRun]
  ) throws -> Bool {
    let (table, index, inTable) = try tableSlice(at: guest, bytes: bytes)
    var count = countSingleWrite(table, from: index, count: inTable, newAllocation: true)
    let allocated: UInt64
    if let wanted = host {
      allocated = geometry.startOfCluster(wanted)
      count = try refcounts.allocate(at: allocated, count: count)
    } else {
      allocated = try refcounts.allocate(count << UInt64(geometry.clusterBits))
    }
    guard count > 0 else {
      bytes = 0
      return false
    }
    let inCluster = geometry.offsetInCluster(guest)
    let available = min(bytes + inCluster, count << UInt64(geometry.clusterBits))
    host = allocated + inCluster
    bytes = min(bytes, available - inCluster)
    if let run = try l2Meta(host: allocated, guest: guest, bytes: bytes, table: table, keepOld: false) {
      runs.append(run)
    }
    return true
  }

  /// `count_single_write_clusters`.
  private func countSingleWrite(_ table: [L2Entry], from index: Int, count: UInt64, newAllocation: Bool) -> UInt64 {
    var expected = table[index].offset
    var counted: UInt64 = 0
    while counted < count {
      let entry = table[index + Int(counted)]
      if entry.needsNewAllocation(extendedL2: geometry.extendedL2) != newAllocation { break }
      if !newAllocation {
        if expected != entry.offset { break }
        expected += geometry.clusterSize
      }
      counted += 1
    }
    return counted
  }

  /// `qcow2_alloc_cluster_link_l2`: points the L2 entries at the run's clusters, marks them
  /// COPIED and written, and drops the clusters they replace.
  private mutating func link(_ run: ClusterRun) throws {
    var replaced: [L2Entry] = []
    let writtenFrom = run.copyStart.lowerBound
    let writtenTo = run.copyEnd.upperBound
    for cluster in 0..<run.clusters {
      let guest = run.guest + cluster * geometry.clusterSize
      let old = try entry(at: guest)
      if old.entry != 0 { replaced.append(old) }
      var new = L2Entry(entry: (run.host + cluster * geometry.clusterSize) | L2Entry.copied, bitmap: old.bitmap)
      if geometry.extendedL2 {
        let from = max(writtenFrom, cluster * geometry.clusterSize)
        let to = min(writtenTo, (cluster + 1) * geometry.clusterSize)
        let first = geometry.subclusterIndex(from)
        let last = geometry.subclusterIndex(to - 1)
        let range = ((UInt64(1) << (last + 1)) - 1) & ~((UInt64(1) << first) - 1)
        new.bitmap = (new.bitmap | range) & ~(range << 32)
      }
      setEntry(new, at: guest)
    }
    if !run.keepOld {
      for old in replaced { try freeCluster(of: old, discard: false) }
    }
  }
}

extension GuestImage {
  /// `count` bytes of guest data at `guest`, through the L2 tables and the backing chain.
  func readGuest(at guest: UInt64, count: UInt64) throws -> [UInt8] {
    var bytes: [UInt8] = []
    bytes.reserveCapacity(Int(count))
    var position = guest
    let end = guest + count
    while position < end {
      let entry = try entry(at: position)
      let subcluster = geometry.subclusterIndex(position)
      let runEnd = min(end, geometry.startOfCluster(position) + (subcluster + 1) * geometry.subclusterSize)
      let length = runEnd - position
      switch entry.subclusterType(subcluster, extendedL2: geometry.extendedL2) {
      case .normal:
        let host = entry.offset + geometry.offsetInCluster(position)
        var data = try draft.readAvailable(at: host, upTo: length, what: "guest data")
        if UInt64(data.count) < length { data += [UInt8](repeating: 0, count: Int(length) - data.count) }
        bytes += data
      case .zeroPlain, .zeroAllocated:
        bytes += [UInt8](repeating: 0, count: Int(length))
      case .unallocatedPlain, .unallocatedAllocated:
        bytes += try backing?.read(at: position, count: length) ?? [UInt8](repeating: 0, count: Int(length))
      case .compressed:
        let cluster = try decompressedCluster(entry)
        let start = Int(geometry.offsetInCluster(position))
        bytes += cluster[start..<(start + Int(length))]
      case .invalid:
        throw QcowError("invalid L2 entry for guest offset \(position)")
      }
      position = runEnd
    }
    return bytes
  }

  /// Whether `count` bytes at `guest` read as zeros by allocation alone (zero clusters,
  /// unallocated ones over nothing or over zeros), as QEMU's `is_zero` sees them.
  func isZeroByAllocation(at guest: UInt64, count: UInt64) throws -> Bool {
    var position = guest
    let end = min(guest + count, geometry.virtualSize)
    while position < end {
      let entry = try entry(at: position)
      let subcluster = geometry.subclusterIndex(position)
      let runEnd = min(end, geometry.startOfCluster(position) + (subcluster + 1) * geometry.subclusterSize)
      switch entry.subclusterType(subcluster, extendedL2: geometry.extendedL2) {
      case .zeroPlain, .zeroAllocated: break
      case .unallocatedPlain, .unallocatedAllocated:
        if let backing, try !backing.isZeroByAllocation(at: position, count: runEnd - position) { return false }
      default: return false
      }
      position = runEnd
    }
    return true
  }
}

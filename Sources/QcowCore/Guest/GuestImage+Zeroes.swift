extension GuestImage {
  /// qemu-io `write -z`: QEMU's block layer splits the request at subcluster boundaries;
  /// each piece becomes zero flags (`qcow2_co_pwrite_zeroes`) where QEMU can, and a write of
  /// zeros where it cannot.
  mutating func writeZeroes(at guest: UInt64, length: UInt64) throws {
    let alignment = geometry.subclusterSize
    var offset = guest
    var bytes = length
    var head = offset % alignment
    let tail = (offset + bytes) % alignment
    while bytes > 0 {
      var piece = bytes
      if head != 0 {
        piece = min(bytes, alignment - head)
        head = (head + piece) % alignment
      } else if tail != 0 && piece > alignment {
        piece -= tail
      }
      if try !zeroPiece(at: offset, length: piece) {
        try write(pattern: 0, at: offset, length: piece)
      }
      offset += piece
      bytes -= piece
    }
  }

  /// `qcow2_co_pwrite_zeroes` for one piece; false where QEMU falls back to writing zeros.
  private mutating func zeroPiece(at guest: UInt64, length: UInt64) throws -> Bool {
    var offset = guest
    var bytes = length
    let head = offset % geometry.subclusterSize
    var tail = geometry.roundUp(offset + bytes, to: geometry.subclusterSize) - (offset + bytes)
    if offset + bytes == geometry.virtualSize { tail = 0 }
    if head != 0 || tail != 0 {
      guard try isZeroByAllocation(at: offset - head, count: head),
        try isZeroByAllocation(at: offset + bytes, count: tail)
      else { return false }
      offset -= head
      bytes = geometry.subclusterSize
      let type = try entry(at: offset).subclusterType(geometry.subclusterIndex(offset), extendedL2: geometry.extendedL2)
      guard [.unallocatedPlain, .unallocatedAllocated, .zeroPlain, .zeroAllocated].contains(type) else { return false }
    }
    return try zeroize(at: offset, length: bytes)
  }

  /// `qcow2_subcluster_zeroize`; false where QEMU returns ENOTSUP.
  private mutating func zeroize(at guest: UInt64, length: UInt64) throws -> Bool {
    var offset = guest
    var end = guest + length
    if version < 3 {
      guard backing == nil else { return false }
      try discardClusters(from: offset, to: end)
      return true
    }
    let cs = geometry.clusterSize
    let head = min(end, geometry.roundUp(offset, to: cs)) - offset
    offset += head
    let tail = end >= geometry.virtualSize ? 0 : end - max(offset, geometry.startOfCluster(end))
    end -= tail
    if head > 0, try !zeroSubclusters(at: offset - head, length: head) { return false }
    while offset < end {
      _ = try clusterTable(for: offset)
      let old = try entry(at: offset)
      let type = old.clusterType(extendedL2: geometry.extendedL2)
      let unmap = type == .compressed
      var new = L2Entry(entry: unmap ? 0 : old.entry, bitmap: old.bitmap)
      if geometry.extendedL2 { new.bitmap = L2Entry.allZeroes } else { new.entry |= L2Entry.zeroFlag }
      if new != old {
        setEntry(new, at: offset)
        if unmap { try freeCluster(of: old, discard: true) }
      }
      offset += cs
    }
    if tail > 0, try !zeroSubclusters(at: end, length: tail) { return false }
    return true
  }

  /// `zero_l2_subclusters`: zero bits for part of one cluster; false for a compressed one.
  private mutating func zeroSubclusters(at guest: UInt64, length: UInt64) throws -> Bool {
    _ = try clusterTable(for: guest)
    var entry = try entry(at: guest)
    if entry.clusterType(extendedL2: geometry.extendedL2) == .compressed { return false }
    let first = geometry.subclusterIndex(guest)
    let count = geometry.roundUp(length, to: geometry.subclusterSize) / geometry.subclusterSize
    let range = ((UInt64(1) << (first + count)) - 1) & ~((UInt64(1) << first) - 1)
    let bitmap = (entry.bitmap | range << 32) & ~range
    if bitmap != entry.bitmap {
      entry.bitmap = bitmap
      setEntry(entry, at: guest)
    }
    return true
  }
}

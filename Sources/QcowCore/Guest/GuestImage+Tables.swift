extension GuestImage {
  /// The L2 table at `offset`, loaded once.
  mutating func l2Table(at offset: UInt64) throws -> [L2Entry] {
    if let table = l2Tables[offset] { return table }
    guard geometry.offsetInCluster(offset) == 0 else {
      throw QcowError("L2 table offset \(FieldFormat.hex.render(offset)) is not cluster-aligned")
    }
    let bytes = try draft.read(at: offset, count: Int(geometry.clusterSize), what: "an L2 table")
    let width = geometry.extendedL2 ? 16 : 8
    let table = (0..<Int(geometry.l2Entries)).map { index in
      L2Entry(
        entry: bytes.uint64(at: index * width) ?? 0,
        bitmap: geometry.extendedL2 ? bytes.uint64(at: index * width + 8) ?? 0 : 0)
    }
    l2Tables[offset] = table
    return table
  }

  /// The L2 entry mapping guest offset `guest`, without allocating (unallocated when its L1
  /// entry is empty).
  func entry(at guest: UInt64) throws -> L2Entry {
    let index = Int(geometry.l1Index(guest))
    guard index < l1.count else { throw QcowError("guest offset \(guest) is past the L1 table") }
    let l2Offset = l1[index] & L2Entry.offsetMask
    guard l2Offset != 0 else { return L2Entry(entry: 0, bitmap: 0) }
    let slot = Int(geometry.l2Index(guest))
    if let table = l2Tables[l2Offset] { return table[slot] }
    let width = geometry.extendedL2 ? 16 : 8
    let bytes = try draft.read(
      at: l2Offset + UInt64(slot * width), count: width, what: "an L2 entry")
    return L2Entry(entry: bytes.uint64(at: 0) ?? 0, bitmap: geometry.extendedL2 ? bytes.uint64(at: 8) ?? 0 : 0)
  }

  /// `get_cluster_table`: the offset of the L2 table for `guest`, allocating it (or copying a
  /// shared one) as QEMU does before it changes an entry.
  mutating func clusterTable(for guest: UInt64) throws -> UInt64 {
    let index = Int(geometry.l1Index(guest))
    guard index < l1.count else { throw QcowError("guest offset \(guest) is past the L1 table") }
    let old = l1[index]
    let oldOffset = old & L2Entry.offsetMask
    guard geometry.offsetInCluster(oldOffset) == 0 else {
      throw QcowError("L2 table offset \(FieldFormat.hex.render(oldOffset)) is not cluster-aligned")
    }
    if old & L2Entry.copied != 0 {
      _ = try l2Table(at: oldOffset)
      return oldOffset
    }
    // l2_allocate: a new table, a copy of the old one when there was one.
    let newOffset = try refcounts.allocate(geometry.clusterSize)
    guard newOffset != 0 else { throw QcowError("Preventing invalid allocation of L2 table at offset 0") }
    var content = [L2Entry](repeating: L2Entry(entry: 0, bitmap: 0), count: Int(geometry.l2Entries))
    if oldOffset != 0 { content = try l2Table(at: oldOffset) }
    l2Tables[newOffset] = content
    dirtyL2.insert(newOffset)
    l1[index] = newOffset | L2Entry.copied
    changedL1.insert(index)
    if oldOffset != 0 {
      try checkInFile(oldOffset, "L2 table")
      try refcounts.free(offset: oldOffset, length: geometry.clusterSize, discard: false)
    }
    return newOffset
  }

  /// Changes the L2 entry of `guest` in its (already loaded, unshared) table.
  mutating func setEntry(_ entry: L2Entry, at guest: UInt64) {
    let l2Offset = l1[Int(geometry.l1Index(guest))] & L2Entry.offsetMask
    let slot = Int(geometry.l2Index(guest))
    l2Tables[l2Offset]?[slot] = entry
    dirtyL2.insert(l2Offset)
  }

  /// Drops one reference to the host clusters of `entry` (`qcow2_free_any_cluster`).
  mutating func freeCluster(of entry: L2Entry, discard: Bool) throws {
    switch entry.clusterType(extendedL2: geometry.extendedL2) {
    case .compressed:
      let (offset, length) = compressedRange(entry)
      try checkInFile(offset, "compressed cluster")
      try refcounts.free(offset: offset, length: length, discard: discard)
      try punchDiscarded()
    case .normal, .zeroAllocated:
      guard geometry.offsetInCluster(entry.offset) == 0 else {
        throw QcowError("cluster offset \(FieldFormat.hex.render(entry.offset)) is not cluster-aligned")
      }
      try checkInFile(entry.offset, "data cluster")
      try refcounts.free(offset: entry.offset, length: geometry.clusterSize, discard: discard)
      try punchDiscarded()
    case .zeroPlain, .unallocated:
      break
    }
  }

  /// Refuses a host offset from the image's tables that lies past the end of the file: its
  /// refcount cannot be changed sensibly (QEMU would grow the refcount table to reach it).
  func checkInFile(_ offset: UInt64, _ what: String) throws {
    guard offset < draft.size else {
      throw QcowError(
        "a \(what) at \(FieldFormat.hex.render(offset)) is past the end of the file (\(draft.size) bytes)")
    }
  }

  /// The host bytes a compressed entry points to (`qcow2_parse_compressed_l2_entry`).
  func compressedRange(_ entry: L2Entry) -> (offset: UInt64, length: UInt64) {
    let offsetBits = 62 - UInt64(geometry.clusterBits - 8)
    let offset = entry.entry & ((1 << offsetBits) - 1)
    let sectors = (entry.entry & ((1 << 62) - 1)) >> offsetBits
    return (offset, (sectors + 1) * 512 - (offset & 511))
  }
}

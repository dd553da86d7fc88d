extension GuestImage {
  /// The snapshot limits of QEMU 7.2 (`QCOW_MAX_SNAPSHOTS`, `QCOW_MAX_SNAPSHOTS_SIZE`).
  static let snapshotLimit: UInt64 = 65536
  static let snapshotTableLimit: UInt64 = 64 << 20

  /// `qemu-img snapshot -c NAME`: copies the active L1 table, takes a reference on every
  /// cluster it maps (clearing COPIED flags), then writes a new snapshot table with the entry
  /// appended and drops the old one. `name` is cut to 255 bytes, as qemu-img cuts it.
  mutating func createSnapshot(name: [UInt8], seconds: UInt32, nanoseconds: UInt32) throws {
    let header = area.header
    let count = header[.nbSnapshots]
    guard count < GuestImage.snapshotLimit else { throw QcowError("File too large: already \(count) snapshots") }
    let oldOffset = header[.snapshotOffset]
    let existing = try existingSnapshots(at: oldOffset, count: count)
    let id = Array(String((existing.map(\.id).max() ?? 0) + 1).utf8)
    let copy = try refcounts.allocate(UInt64(l1.count) * 8)
    var l1Bytes: [UInt8] = []
    l1Bytes.reserveCapacity(l1.count * 8)
    for entry in l1 { l1Bytes.appendBigEndian(entry, width: 8) }
    try put(l1Bytes, at: copy)
    try referenceActiveClusters()
    let name = Array(name.prefix(255))
    var entry: [UInt8] = []
    entry.appendBigEndian(copy, width: 8)
    entry.appendBigEndian(UInt64(l1.count), width: 4)
    entry.appendBigEndian(UInt64(id.count), width: 2)
    entry.appendBigEndian(UInt64(name.count), width: 2)
    entry.appendBigEndian(UInt64(seconds), width: 4)
    entry.appendBigEndian(UInt64(nanoseconds), width: 4)
    entry.appendBigEndian(0, width: 8)  // vm_clock_nsec
    entry.appendBigEndian(0, width: 4)  // vm_state_size
    entry.appendBigEndian(24, width: 4)  // extra_data_size
    entry.appendBigEndian(0, width: 8)  // vm_state_size_large
    entry.appendBigEndian(geometry.virtualSize, width: 8)  // disk_size
    entry.appendBigEndian(0, width: 8)  // icount
    entry += id + name
    var table: [UInt8] = []
    for old in existing.map(\.bytes) + [entry] {
      table += [UInt8](repeating: 0, count: (8 - table.count % 8) % 8) + old
    }
    guard UInt64(table.count) <= GuestImage.snapshotTableLimit else {
      throw QcowError("File too large: the snapshot table would pass 64 MiB")
    }
    let tableOffset = try refcounts.allocate(UInt64(table.count))
    try put(table, at: tableOffset)
    var fields: [UInt8] = []
    fields.appendBigEndian(count + 1, width: 4)
    fields.appendBigEndian(tableOffset, width: 8)
    try put(fields, at: UInt64(HeaderField.nbSnapshots.offset))
    if count > 0 {
      let oldSize = existing.reduce(0) { ($0 + 7) / 8 * 8 + UInt64($1.bytes.count) }
      try refcounts.free(offset: oldOffset, length: oldSize, discard: true)
      try punchDiscarded()
    }
  }

  /// The snapshot table's entries, each as stored (without padding) with its numeric id.
  private func existingSnapshots(at offset: UInt64, count: UInt64) throws -> [(id: UInt64, bytes: [UInt8])] {
    var entries: [(id: UInt64, bytes: [UInt8])] = []
    var position = offset
    for index in 0..<count {
      guard position < draft.size else {
        throw QcowError("snapshot \(index) at \(FieldFormat.hex.render(position)) is past the end of the file")
      }
      position = (position + 7) / 8 * 8
      let fixed = try draft.read(at: position, count: 40, what: "snapshot \(index)")
      let idSize = UInt64(fixed.uint16(at: 12) ?? 0)
      let nameSize = UInt64(fixed.uint16(at: 14) ?? 0)
      let extra = UInt64(fixed.uint32(at: 36) ?? 0)
      guard extra >= 24, extra <= 1024 else {
        throw QcowError(
          "snapshot \(index) has \(extra) bytes of extra data: setup steps rewrite only tables with 24 to 1024")
      }
      let bytes = try draft.read(at: position, count: Int(40 + extra + idSize + nameSize), what: "snapshot \(index)")
      let idText = String(decoding: bytes[Int(40 + extra)..<Int(40 + extra + idSize)], as: UTF8.self)
      let id = UInt64(idText.prefix { $0.isASCII && $0.isNumber }.prefix(19)) ?? 0
      entries.append((id, bytes))
      position += UInt64(bytes.count)
    }
    return entries
  }

  /// `qcow2_update_snapshot_refcount` of the active L1 table with an addend of 1.
  private mutating func referenceActiveClusters() throws {
    for index in l1.indices where l1[index] != 0 {
      let l2Offset = l1[index] & L2Entry.offsetMask
      try checkInFile(l2Offset, "L2 table")
      guard geometry.offsetInCluster(l2Offset) == 0 else {
        throw QcowError("L2 table offset \(FieldFormat.hex.render(l2Offset)) unaligned (L1 index: \(index))")
      }
      var table = try l2Table(at: l2Offset)
      var changed = false
      for slot in table.indices {
        var entry = table[slot]
        entry.entry &= ~L2Entry.copied
        var refcount: UInt64 = 0
        switch entry.clusterType(extendedL2: geometry.extendedL2) {
        case .compressed:
          let (offset, length) = compressedRange(entry)
          try checkInFile(offset, "compressed cluster")
          _ = try refcounts.updateRefcount(offset: offset, length: length, decrease: false)
          refcount = 2
        case .normal, .zeroAllocated:
          guard geometry.offsetInCluster(entry.offset) == 0 else {
            throw QcowError("Cluster allocation offset \(FieldFormat.hex.render(entry.offset)) unaligned")
          }
          try checkInFile(entry.offset, "data cluster")
          _ = try refcounts.updateRefcount(offset: entry.offset, length: 1, decrease: false)
          refcount = refcounts.refcount(entry.offset >> UInt64(geometry.clusterBits))
        case .zeroPlain, .unallocated:
          break
        }
        if refcount == 1 { entry.entry |= L2Entry.copied }
        if entry != table[slot] {
          table[slot] = entry
          changed = true
        }
      }
      if changed {
        l2Tables[l2Offset] = table
        dirtyL2.insert(l2Offset)
      }
      _ = try refcounts.updateRefcount(offset: l2Offset, length: 1, decrease: false)
      let entry =
        refcounts.refcount(l2Offset >> UInt64(geometry.clusterBits)) == 1 ? l2Offset | L2Entry.copied : l2Offset
      if entry != l1[index] {
        l1[index] = entry
        changedL1.formUnion(l1.indices)
      }
    }
  }
}

/// A port of QEMU 7.2's qcow2 cluster allocator (block/qcow2-refcount.c): first-fit search,
/// refcount blocks allocated on demand where they can describe themselves, and the refcount
/// table moved when it fills up. `qemu-img create` lays images out with it, so a native create
/// reproduces its layout exactly by running the same steps, and setup steps allocate with it
/// over an existing image's refcounts (`init(loading:)`).
struct RefcountAllocator {
  /// The outcome of a step that may have to be restarted, like QEMU's -EAGAIN.
  enum Step {
    case done
    case restart
  }

  let clusterBits: Int
  let refcountOrder: Int
  /// Refcount entries per refcount block.
  let refblockEntries: UInt64
  /// The refcount table.
  private(set) var table: [UInt64]
  /// The refcount table's offset.
  private(set) var tableOffset: UInt64
  /// Refcount blocks by file offset, as refcount values.
  private(set) var refblocks: [UInt64: [UInt64]] = [:]
  /// Everything written outside the refcount blocks, in order (the table entries, moved tables).
  private(set) var writes: [(offset: UInt64, bytes: [UInt8])] = []
  /// The refcount blocks changed since they were loaded, by file offset.
  private(set) var dirtyBlocks: Set<UInt64> = []
  /// Clusters whose refcount dropped to 0 with discards passed down: QEMU punches them out
  /// of the file, so they read as zeros.
  private(set) var discarded: [UInt64] = []
  /// How many times a cluster went from unreferenced to referenced.
  private(set) var referencedCount: UInt64 = 0
  /// QEMU's `free_cluster_index`.
  var freeClusterIndex: UInt64 = 0
  /// The largest refcount an entry holds.
  var refcountMax: UInt64 { refcountOrder == 6 ? UInt64.max : (1 << (UInt64(1) << UInt64(refcountOrder))) - 1 }

  var clusterSize: UInt64 { 1 << UInt64(clusterBits) }

  /// The state right after `qcow2_co_create` wrote its first three clusters: the header, a
  /// one-cluster refcount table pointing at an empty refcount block in cluster 2.
  init(clusterBits: Int, refcountOrder: Int) {
    self.clusterBits = clusterBits
    self.refcountOrder = refcountOrder
    refblockEntries = UInt64(1 << clusterBits * 8) >> UInt64(refcountOrder)
    let cs = UInt64(1) << UInt64(clusterBits)
    table = [UInt64](repeating: 0, count: Int(cs / 8))
    table[0] = 2 * cs
    tableOffset = cs
    refblocks[2 * cs] = [UInt64](repeating: 0, count: Int(refblockEntries))
    dirtyBlocks = [2 * cs]
    var first = [UInt8](repeating: 0, count: Int(cs))
    first.storeBigEndian(2 * cs, width: 8, at: 0)
    writes.append((cs, first))
  }

  /// The refcount of cluster `index`.
  func refcount(_ index: UInt64) -> UInt64 {
    let tableIndex = index / refblockEntries
    guard tableIndex < UInt64(table.count), table[Int(tableIndex)] != 0,
      let block = refblocks[table[Int(tableIndex)]]
    else { return 0 }
    return block[Int(index % refblockEntries)]
  }

  /// An allocator over refcounts already in place: `table` at `tableOffset` and the blocks it
  /// points to.
  init(clusterBits: Int, refcountOrder: Int, table: [UInt64], tableOffset: UInt64, refblocks: [UInt64: [UInt64]]) {
    self.clusterBits = clusterBits
    self.refcountOrder = refcountOrder
    refblockEntries = UInt64(1 << clusterBits * 8) >> UInt64(refcountOrder)
    self.table = table
    self.tableOffset = tableOffset
    self.refblocks = refblocks
  }

  /// `qcow2_alloc_clusters`: finds and references `size` bytes of clusters; returns the offset.
  mutating func allocate(_ size: UInt64) throws -> UInt64 {
    while true {
      let offset = allocateUnreferenced(size)
      if case .done = try updateRefcount(offset: offset, length: size, decrease: false) { return offset }
    }
  }

  /// `qcow2_alloc_clusters_at`: references as many of the `count` clusters from `offset` as
  /// are free in a row; returns how many.
  mutating func allocate(at offset: UInt64, count: UInt64) throws -> UInt64 {
    while true {
      var free: UInt64 = 0
      while free < count, refcount((offset >> UInt64(clusterBits)) + free) == 0 { free += 1 }
      if case .done = try updateRefcount(offset: offset, length: free << UInt64(clusterBits), decrease: false) {
        return free
      }
    }
  }

  /// The clusters punched out since the last call, emptying the list.
  mutating func takeDiscarded() -> [UInt64] {
    defer { discarded = [] }
    return discarded
  }

  /// `qcow2_free_clusters`: drops one reference to each cluster of the range. With `discard`,
  /// clusters left unreferenced are punched out, as QEMU passes the discard to the file.
  mutating func free(offset: UInt64, length: UInt64, discard: Bool) throws {
    _ = try updateRefcount(offset: offset, length: length, decrease: true, discard: discard)
  }

  /// `alloc_clusters_noref`: the first run of free clusters from the free index.
  mutating func allocateUnreferenced(_ size: UInt64) -> UInt64 {
    let count = (size + clusterSize - 1) >> UInt64(clusterBits)
    var found: UInt64 = 0
    while found < count {
      let index = freeClusterIndex
      freeClusterIndex += 1
      found = refcount(index) == 0 ? found + 1 : 0
    }
    return (freeClusterIndex - count) << UInt64(clusterBits)
  }

  /// `update_refcount` with an addend of 1. Fails, undoing what it counted, where a refcount
  /// would pass `refcountMax` or drop below 0 (QEMU's EINVAL).
  mutating func updateRefcount(offset: UInt64, length: UInt64, decrease: Bool, discard: Bool = false) throws -> Step {
    guard length > 0 else { return .done }
    let start = offset & ~(clusterSize - 1)
    let last = (offset + length - 1) & ~(clusterSize - 1)
    var previousTableIndex: UInt64? = nil
    var clusterOffset = start
    while clusterOffset <= last {
      let index = clusterOffset >> UInt64(clusterBits)
      let tableIndex = index / refblockEntries
      if tableIndex != previousTableIndex {
        if case .restart = try allocateRefcountBlock(for: index) {
          freeClusterIndex = min(freeClusterIndex, start >> UInt64(clusterBits))
          // Undo what this call already counted, as QEMU's error path does.
          _ = try? updateRefcount(offset: offset, length: clusterOffset - offset, decrease: !decrease)
          return .restart
        }
      }
      previousTableIndex = tableIndex
      let blockOffset = table[Int(tableIndex)]
      let slot = Int(index % refblockEntries)
      let old = refblocks[blockOffset]?[slot] ?? 0
      guard decrease ? old > 0 : old < refcountMax else {
        _ = try? updateRefcount(offset: offset, length: clusterOffset - offset, decrease: !decrease)
        throw QcowError(
          "Invalid argument: the refcount of cluster \(index) would \(decrease ? "drop below 0" : "pass \(refcountMax)")"
        )
      }
      let value = decrease ? old - 1 : old + 1
      if value == 0 && index < freeClusterIndex { freeClusterIndex = index }
      if value == 0 && discard { discarded.append(clusterOffset) }
      if old == 0 { referencedCount += 1 }
      refblocks[blockOffset]?[slot] = value
      dirtyBlocks.insert(blockOffset)
      clusterOffset += clusterSize
    }
    return .done
  }

  /// `alloc_refcount_block`: makes sure the refcount block covering cluster `index` exists.
  private mutating func allocateRefcountBlock(for index: UInt64) throws -> Step {
    let tableIndex = index / refblockEntries
    if tableIndex < UInt64(table.count), table[Int(tableIndex)] != 0 { return .done }
    let newBlock = allocateUnreferenced(clusterSize)
    let newIndex = newBlock >> UInt64(clusterBits)
    if newIndex / refblockEntries == tableIndex {
      // The block describes itself.
      var block = [UInt64](repeating: 0, count: Int(refblockEntries))
      block[Int(newIndex % refblockEntries)] = 1
      refblocks[newBlock] = block
    } else {
      if case .restart = try updateRefcount(offset: newBlock, length: clusterSize, decrease: false) {
        return .restart
      }
      refblocks[newBlock] = [UInt64](repeating: 0, count: Int(refblockEntries))
    }
    dirtyBlocks.insert(newBlock)
    if tableIndex < UInt64(table.count) {
      table[Int(tableIndex)] = newBlock
      var entry: [UInt8] = []
      entry.appendBigEndian(newBlock, width: 8)
      writes.append((tableOffset + tableIndex * 8, entry))
      return .restart
    }
    // The table is full: new refcount blocks and a new table go after everything in use.
    let blocksUsed = ceilingDivide(max(index + 1, newIndex + 1), refblockEntries)
    let metaOffset = blocksUsed * refblockEntries * clusterSize
    try moveTable(to: metaOffset, newRefblockIndex: Int(tableIndex), newRefblockOffset: newBlock)
    return .restart
  }

  /// `qcow2_refcount_area` with no additional clusters and a generous table size.
  private mutating func moveTable(to startOffset: UInt64, newRefblockIndex: Int, newRefblockOffset: UInt64) throws {
    let totalBlocks = Int(metadataBlocks(clusters: startOffset / clusterSize, generous: true))
    let areaIndex = Int(startOffset / clusterSize / refblockEntries)
    let perCluster = Int(clusterSize / 8)
    var tableSize = totalBlocks + (totalBlocks + 1) / 2
    tableSize = (tableSize + perCluster - 1) / perCluster * perCluster
    let tableClusters = UInt64(tableSize * 8) / clusterSize
    var newTable = [UInt64](repeating: 0, count: tableSize)
    let maxIndex = table.lastIndex { $0 != 0 } ?? 0
    for index in 0..<min(tableSize > maxIndex ? maxIndex + 1 : tableSize, table.count) {
      newTable[index] = table[index]
    }
    newTable[newRefblockIndex] = newRefblockOffset
    let additional = (areaIndex..<totalBlocks).filter { newTable[$0] == 0 }.count
    let newTableOffset = startOffset + UInt64(additional) * clusterSize
    let endOffset = newTableOffset + tableClusters * clusterSize
    var blockOffset = startOffset
    for index in areaIndex..<totalBlocks {
      if newTable[index] == 0 {
        refblocks[blockOffset] = [UInt64](repeating: 0, count: Int(refblockEntries))
        dirtyBlocks.insert(blockOffset)
        newTable[index] = blockOffset
        blockOffset += clusterSize
      }
      let firstCovered = UInt64(index) * refblockEntries * clusterSize
      guard firstCovered < endOffset else { continue }
      let first = firstCovered < startOffset ? (startOffset - firstCovered) / clusterSize : 0
      let end = min((endOffset - firstCovered) / clusterSize, refblockEntries)
      for slot in first..<end { refblocks[newTable[index]]?[Int(slot)] = 1 }
      dirtyBlocks.insert(newTable[index])
    }
    var bytes: [UInt8] = []
    bytes.reserveCapacity(tableSize * 8)
    for entry in newTable { bytes.appendBigEndian(entry, width: 8) }
    writes.append((newTableOffset, bytes))
    let oldOffset = tableOffset
    let oldSize = UInt64(table.count * 8)
    table = newTable
    tableOffset = newTableOffset
    try free(offset: oldOffset, length: oldSize, discard: false)
  }

  /// `qcow2_refcount_metadata_size`: refcount blocks needed to count `clusters` clusters plus
  /// the refcount structures themselves.
  private func metadataBlocks(clusters initial: UInt64, generous: Bool) -> UInt64 {
    let perTableCluster = clusterSize / 8
    var clusters = initial
    var generous = generous
    var table: UInt64 = 0
    var blocks: UInt64 = 0
    var total: UInt64 = 0
    while true {
      let last = total
      blocks = ceilingDivide(clusters + table + blocks, refblockEntries)
      table = ceilingDivide(blocks, perTableCluster)
      total = clusters + blocks + table
      if total == last && generous {
        clusters += ceilingDivide(table, 2)
        total = 0
        generous = false
      } else if total == last {
        return blocks
      }
    }
  }

  /// The table size in clusters.
  var tableClusters: UInt64 { UInt64(table.count * 8) / clusterSize }

  /// The refcount block at `offset` encoded as QEMU stores it.
  func encodedBlock(_ values: [UInt64]) -> [UInt8] {
    let bits = 1 << refcountOrder
    var bytes = [UInt8](repeating: 0, count: Int(clusterSize))
    for (index, value) in values.enumerated() where value != 0 {
      if bits >= 8 {
        bytes.storeBigEndian(value, width: bits / 8, at: index * bits / 8)
      } else {
        let bit = index * bits
        bytes[bit / 8] |= UInt8(truncatingIfNeeded: value << UInt64(bit % 8))
      }
    }
    return bytes
  }

  private func ceilingDivide(_ value: UInt64, _ divisor: UInt64) -> UInt64 {
    (value + divisor - 1) / divisor
  }
}

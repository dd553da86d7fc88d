/// A qcow2 image opened for guest I/O over a draft, as one qemu-io process of QEMU 7.2 opens
/// it: the active L1 table, L2 tables and refcounts are loaded as they are needed, changed in
/// memory, and written back to the draft by `finish()` as QEMU's caches leave them on disk.
struct GuestImage {
  /// The image with every write made so far.
  var draft: ImageDraft
  let area: HeaderArea
  let geometry: ClusterGeometry
  let version: UInt64
  let compressionType: UInt64
  /// The active L1 table.
  var l1: [UInt64]
  let l1Offset: UInt64
  /// L1 indexes changed since the image was opened.
  var changedL1: Set<Int> = []
  /// Loaded L2 tables by file offset.
  var l2Tables: [UInt64: [L2Entry]] = [:]
  /// L2 tables to write back.
  var dirtyL2: Set<UInt64> = []
  var refcounts: RefcountAllocator
  /// Where unallocated clusters read from, when the image has a backing file.
  let backing: GuestBacking?

  /// Opens `draft` (whose header area is `area`) read-write, with `backing` below it.
  init(draft: ImageDraft, area: HeaderArea, backing: GuestBacking?) throws {
    try GuestImage.checkOpenable(area.header)
    try self.init(reading: draft, area: area, backing: backing)
  }

  /// Opens `draft` for reads only, as a backing file is opened.
  init(reading draft: ImageDraft, area: HeaderArea, backing: GuestBacking?) throws {
    let header = area.header
    guard header[.magic] == HeaderArea.magic, header.version == 2 || header.version == 3,
      (9...21).contains(header[.clusterBits]), header[.refcountOrder] <= 6
    else { throw QcowError("not a qcow2 image QEMU opens (magic, version, cluster_bits or refcount_order)") }
    self.draft = draft
    self.area = area
    self.backing = backing
    version = header.version
    compressionType = header[.compressionType]
    let clusterBits = Int(header[.clusterBits])
    let extendedL2 = header[.incompatibleFeatures] & 0x10 != 0
    geometry = ClusterGeometry(clusterBits: clusterBits, extendedL2: extendedL2, virtualSize: header[.size])
    l1Offset = header[.l1TableOffset]
    let l1Size = header[.l1Size]
    let needed = geometry.virtualSize / geometry.l2Coverage + (geometry.virtualSize % geometry.l2Coverage == 0 ? 0 : 1)
    guard l1Size >= needed, l1Size <= 4 << 20 else {
      throw QcowError("the L1 table (\(l1Size) entries) does not fit the virtual size")
    }
    let l1Bytes = try draft.read(at: l1Offset, count: Int(l1Size) * 8, what: "the L1 table")
    l1 = (0..<Int(l1Size)).map { l1Bytes.uint64(at: $0 * 8) ?? 0 }
    refcounts = try GuestImage.loadRefcounts(draft, header: header, clusterBits: clusterBits)
  }

  /// Refuses what QEMU refuses to open read-write, and what setup steps do not model.
  private static func checkOpenable(_ header: Header) throws {
    let incompatible = header[.incompatibleFeatures]
    if incompatible & 0x2 != 0 { throw QcowError("Image is corrupt; cannot be opened read/write") }
    if incompatible & ~0x1f != 0 {
      throw QcowError(
        "Unsupported qcow2 feature(s): Unknown incompatible feature: \(String(incompatible & ~0x1f, radix: 16))")
    }
    if header[.cryptMethod] != 0 { throw QcowError("the image is encrypted: setup steps cannot write encrypted data") }
    if incompatible & 0x4 != 0 { throw QcowError("setup steps do not write external data files") }
    if incompatible & 0x1 != 0 {
      throw QcowError("the dirty bit is set: QEMU would repair the refcounts on open; clear it first")
    }
    if header[.autoclearFeatures] != 0 {
      throw QcowError("autoclear features are set: QEMU would rewrite them on open; setup steps do not model that")
    }
    if incompatible & 0x10 != 0 && header[.clusterBits] < 14 {
      throw QcowError("Unsupported subcluster size: \(1 << (header[.clusterBits] - 5))")
    }
  }

  private static func loadRefcounts(_ draft: ImageDraft, header: Header, clusterBits: Int) throws -> RefcountAllocator {
    let clusterSize = UInt64(1) << UInt64(clusterBits)
    let tableClusters = header[.refcountTableClusters]
    guard tableClusters > 0, tableClusters <= (8 << 20) / clusterSize else {
      throw QcowError("the refcount table (\(tableClusters) clusters) is empty or too large")
    }
    let tableOffset = header[.refcountTableOffset]
    let bytes = try draft.read(
      at: tableOffset, count: Int(tableClusters << UInt64(clusterBits)), what: "the refcount table")
    let table = (0..<(bytes.count / 8)).map { (bytes.uint64(at: $0 * 8) ?? 0) & ~0x1ff }
    let order = Int(header[.refcountOrder])
    let bits = 1 << order
    let entries = Int(clusterSize) * 8 / bits
    var blocks: [UInt64: [UInt64]] = [:]
    for offset in table where offset != 0 && blocks[offset] == nil {
      guard offset & (clusterSize - 1) == 0 else {
        throw QcowError("refcount block offset \(FieldFormat.hex.render(offset)) is not cluster-aligned")
      }
      let block = try draft.read(at: offset, count: Int(clusterSize), what: "a refcount block")
      blocks[offset] = (0..<entries).map { index in
        if bits >= 8 { return block.bigEndianValue(at: index * bits / 8, width: bits / 8) ?? 0 }
        let byte = UInt64(block.uint8(at: index * bits / 8) ?? 0)
        return byte >> UInt64(index * bits % 8) & ((1 << UInt64(bits)) - 1)
      }
    }
    return RefcountAllocator(
      clusterBits: clusterBits, refcountOrder: order, table: table, tableOffset: tableOffset, refblocks: blocks)
  }

  /// Writes `bytes` at `offset`, growing the file as a write past its end does.
  mutating func put(_ bytes: [UInt8], at offset: UInt64) throws {
    let end = offset + UInt64(bytes.count)
    if end > draft.size { draft.truncate(to: end) }
    try draft.write(bytes, at: offset)
  }

  /// Writes `count` copies of `byte` at `offset` without holding them, growing the file as
  /// `put` does.
  mutating func fill(_ byte: UInt8, count: UInt64, at offset: UInt64) throws {
    let end = offset + count
    if end > draft.size { draft.truncate(to: end) }
    try draft.fill(byte, count: count, at: offset)
  }

  /// Punches out the clusters freed with discards passed down, as QEMU does before it
  /// allocates again: they read as zeros until something is written there.
  mutating func punchDiscarded() throws {
    for offset in refcounts.takeDiscarded() where offset < draft.size {
      try draft.fill(0, count: min(geometry.clusterSize, draft.size - offset), at: offset)
    }
  }

  /// Writes back what the caches hold: the L2 tables and refcount blocks changed (whole
  /// clusters), the refcount table entries and the L1 entries. Returns the draft.
  mutating func finish() throws -> ImageDraft {
    for offset in dirtyL2.sorted() {
      guard let table = l2Tables[offset] else { continue }
      var bytes: [UInt8] = []
      bytes.reserveCapacity(Int(geometry.clusterSize))
      for entry in table {
        bytes.appendBigEndian(entry.entry, width: 8)
        if geometry.extendedL2 { bytes.appendBigEndian(entry.bitmap, width: 8) }
      }
      try put(bytes, at: offset)
    }
    for write in refcounts.writes { try put(write.bytes, at: write.offset) }
    for offset in refcounts.dirtyBlocks.sorted() {
      guard let values = refcounts.refblocks[offset] else { continue }
      try put(refcounts.encodedBlock(values), at: offset)
    }
    let header = area.header
    if refcounts.tableOffset != header[.refcountTableOffset]
      || refcounts.tableClusters != header[.refcountTableClusters]
    {
      // qcow2_refcount_area points the header at the moved table.
      var fields: [UInt8] = []
      fields.appendBigEndian(refcounts.tableOffset, width: 8)
      fields.appendBigEndian(refcounts.tableClusters, width: 4)
      try put(fields, at: UInt64(HeaderField.refcountTableOffset.offset))
    }
    for index in changedL1.sorted() {
      var bytes: [UInt8] = []
      bytes.appendBigEndian(l1[index], width: 8)
      try put(bytes, at: l1Offset + UInt64(index) * 8)
    }
    dirtyL2 = []
    changedL1 = []
    return draft
  }
}

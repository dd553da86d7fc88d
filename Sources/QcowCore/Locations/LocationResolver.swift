/// Resolves locations and offset expressions through an image's own tables, reading only the
/// entries on the way. Every table must lie inside the file; hostile sizes give errors, never
/// large reads.
public struct LocationResolver {
  /// The most refcounts one `refcount[host=A..B]` range may name.
  public static let rangeLimit: UInt64 = 1 << 20

  /// The image, as it stands at this point of the edit list.
  public let image: any ImageSource
  /// Its header area.
  public let area: HeaderArea

  /// A resolver for `image`, whose header area is `area`.
  public init(image: any ImageSource, area: HeaderArea) {
    self.image = image
    self.area = area
  }

  private var header: Header { area.header }

  /// The cluster size in bytes; fails where the tables cannot be walked with it.
  func clusterBits() throws -> UInt64 {
    let bits = header[.clusterBits]
    guard (9...30).contains(bits) else {
      throw QcowError("cluster_bits \(bits): metadata tables can only be resolved with cluster_bits 9 to 30")
    }
    return bits
  }

  private var extendedL2: Bool { header[.incompatibleFeatures] & 0x10 != 0 }

  // MARK: Locations

  /// The places `location` names: one, or one per cluster of a refcount range.
  public func resolve(_ location: Location) throws -> [ResolvedLocation] {
    switch location {
    case .l1(let index):
      let index = try evaluate(index)
      return [
        try tableEntry("l1[\(index)]", table: header[.l1TableOffset], count: header[.l1Size], index: index, kind: .l1)
      ]
    case .l2(let vaddr):
      return [try l2Entry(vaddr: try evaluate(vaddr))]
    case .refcountTable(let index):
      let index = try evaluate(index)
      return [try refcountTableEntry(index)]
    case .refcountCluster(let cluster):
      return [try refcount(cluster: try evaluate(cluster))]
    case .refcountHost(let start, let end):
      let bits = try clusterBits()
      let first = try evaluate(start)
      guard let end else { return [try refcount(cluster: first >> bits)] }
      let last = try evaluate(end)
      guard last > first else { throw QcowError("refcount[host=\(hex(first))..\(hex(last))] is an empty range") }
      let clusters = ((last - 1) >> bits) - (first >> bits) + 1
      guard clusters <= LocationResolver.rangeLimit else {
        throw QcowError(
          "refcount[host=\(hex(first))..\(hex(last))] names \(clusters) clusters, more than \(LocationResolver.rangeLimit)"
        )
      }
      return try ((first >> bits)...((last - 1) >> bits)).map { try refcount(cluster: $0) }
    case .snapshotField(let selector, let field):
      let entry = try snapshot(selector)
      if let needed = field.extraDataNeeded, entry.extraDataSize < needed {
        throw QcowError(
          "\(entry.name) has extra_data_size \(entry.extraDataSize): no \(field.name) field (needs \(needed))")
      }
      return [try record("\(entry.name).\(field.name)", at: entry.offset, field: field)]
    case .snapshotL1(let selector, let index):
      let entry = try snapshot(selector)
      let index = try evaluate(index)
      return [
        try tableEntry(
          "\(entry.name).l1[\(index)]", table: entry.l1TableOffset, count: UInt64(entry.l1Size), index: index,
          kind: .l1)
      ]
    case .bitmapField(let selector, let field):
      let entry = try bitmap(selector)
      return [try record("\(entry.name).\(field.name)", at: entry.offset, field: field)]
    }
  }

  private func tableEntry(
    _ name: String, table: UInt64, count: UInt64, index: UInt64, kind: EntryKind
  ) throws -> ResolvedLocation {
    guard index < count else {
      throw QcowError("\(name): index out of range (the table has \(count) \(count == 1 ? "entry" : "entries"))")
    }
    let offset = try sum(table, index * UInt64(kind.bytes), what: name)
    return try ResolvedLocation(name: name, offset: offset, kind: .entry(kind), image: image)
  }

  /// The bits of a guest address below its L1 index: cluster bits plus the L2 index's.
  private func l2Bits() throws -> (cluster: UInt64, l2: UInt64) {
    let bits = try clusterBits()
    return (bits, bits - (extendedL2 ? 4 : 3))
  }

  /// The offset of the L2 table that maps `vaddr`, from its L1 entry; `name` leads the error
  /// when that entry is unallocated.
  private func l2Table(vaddr: UInt64, name: String) throws -> UInt64 {
    let (bits, l2Bits) = try l2Bits()
    let l1Index = vaddr >> (bits + l2Bits)
    let l1 = try tableEntry(
      "l1[\(l1Index)]", table: header[.l1TableOffset], count: header[.l1Size], index: l1Index, kind: .l1)
    let table = try l1.field("offset")
    guard table != 0 else { throw QcowError("\(name): L1 entry \(l1Index) is unallocated") }
    return table
  }

  private func l2Entry(vaddr: UInt64) throws -> ResolvedLocation {
    let (bits, l2Bits) = try l2Bits()
    let entryBytes: UInt64 = extendedL2 ? 16 : 8
    let name = "l2[vaddr=\(hex(vaddr))]"
    let table = try l2Table(vaddr: vaddr, name: name)
    let index = (vaddr >> bits) & ((1 << l2Bits) - 1)
    let offset = try sum(table, index * entryBytes, what: name)
    let standard: EntryKind = extendedL2 ? .extendedL2 : .l2
    let probe = try ResolvedLocation(name: name, offset: offset, kind: .entry(standard), image: image)
    guard try probe.field("compressed") == 1 else { return probe }
    return try ResolvedLocation(
      name: name, offset: offset, kind: .entry(.compressedL2(clusterBits: bits, extended: extendedL2)), image: image)
  }

  private var refcountTableEntries: UInt64 {
    (try? clusterBits()).map { header[.refcountTableClusters] << $0 / 8 } ?? 0
  }

  private func refcountTableEntry(_ index: UInt64) throws -> ResolvedLocation {
    _ = try clusterBits()
    return try tableEntry(
      "refcount_table[\(index)]", table: header[.refcountTableOffset], count: refcountTableEntries, index: index,
      kind: .refcountTable)
  }

  private func refcount(cluster: UInt64) throws -> ResolvedLocation {
    let bits = try clusterBits()
    let order = header[.refcountOrder]
    guard order <= 6 else { throw QcowError("refcount_order \(order): refcounts are 1 to 64 bits (order 0 to 6)") }
    let width: UInt64 = 1 << order
    let perBlock = (1 << bits) * 8 / width
    let name = "refcount[cluster=\(cluster)]"
    let tableIndex = cluster / perBlock
    let block = try refcountTableEntry(tableIndex).field("offset")
    guard block != 0 else { throw QcowError("\(name): refcount table entry \(tableIndex) is unallocated") }
    let index = cluster % perBlock
    let offset = try sum(block, index * width / 8, what: name)
    let shift = width >= 8 ? 0 : Int(index % (8 / width) * width)
    return try ResolvedLocation(
      name: name, offset: offset, kind: .refcount(bits: Int(width), shift: shift), image: image)
  }

  private func record(_ name: String, at start: UInt64, field: RecordField) throws -> ResolvedLocation {
    let offset = try sum(start, UInt64(field.offset), what: name)
    return try ResolvedLocation(name: name, offset: offset, kind: .record(field), image: image)
  }

  // MARK: Snapshots and bitmaps

  /// A snapshot table entry: where it starts and the sizes that place its parts.
  struct SnapshotEntry {
    let name: String
    let offset: UInt64
    let l1TableOffset: UInt64
    let l1Size: UInt32
    let extraDataSize: UInt32
    let id: [UInt8]
    let snapshotName: [UInt8]
  }

  private func snapshot(_ selector: Location.Selector) throws -> SnapshotEntry {
    let count = header[.nbSnapshots]
    var wanted: UInt64?
    if case .index(let expression) = selector {
      let index = try evaluate(expression)
      guard index < count else {
        throw QcowError("snapshot[\(index)]: index out of range (nb_snapshots is \(count))")
      }
      wanted = index
    }
    var offset = header[.snapshotOffset]
    var index: UInt64 = 0
    while index < count {
      let fixed = try read(at: offset, count: RecordField.snapshotFixedSize, what: "snapshot table entry \(index)")
      let extra = fixed.uint32(at: 36) ?? 0
      let idSize = UInt64(fixed.uint16(at: 12) ?? 0)
      let nameSize = UInt64(fixed.uint16(at: 14) ?? 0)
      let idStart = try sum(offset, 40 + UInt64(extra), what: "snapshot table entry \(index)")
      let id = try read(at: idStart, count: Int(idSize), what: "snapshot \(index)'s id")
      let name = try read(at: idStart + idSize, count: Int(nameSize), what: "snapshot \(index)'s name")
      let entry = SnapshotEntry(
        name: "snapshot[\(index)]", offset: offset, l1TableOffset: fixed.uint64(at: 0) ?? 0,
        l1Size: fixed.uint32(at: 8) ?? 0, extraDataSize: extra, id: id, snapshotName: name)
      switch selector {
      case .index where index == wanted: return entry
      case .id(let text) where id == Array(text.utf8): return entry
      case .name(let text) where name == Array(text.utf8): return entry
      default: break
      }
      let size = (40 + UInt64(extra) + idSize + nameSize + 7) & ~7
      offset = try sum(offset, size, what: "snapshot table entry \(index + 1)")
      index += 1
    }
    switch selector {
    case .id(let text): throw QcowError("no snapshot with id '\(text)' (nb_snapshots is \(count))")
    case .name(let text): throw QcowError("no snapshot named '\(text)' (nb_snapshots is \(count))")
    case .index: throw QcowError("snapshot table ended early")
    }
  }

  private func bitmap(_ selector: Location.Selector) throws -> (name: String, offset: UInt64) {
    guard let bitmaps = area.extensions.lazy.compactMap(\.bitmaps).first else {
      throw QcowError("the image has no Bitmaps extension")
    }
    var offset = bitmaps.directoryOffset
    for (index, entry) in bitmaps.directory.enumerated() {
      switch selector {
      case .index(let expression) where try evaluate(expression) == UInt64(index):
        return ("bitmap[\(index)]", offset)
      case .name(let text) where entry.name == text: return ("bitmap[\(index)]", offset)
      default: break
      }
      offset = try sum(offset, UInt64(entry.encodedSize), what: "bitmap directory entry \(index + 1)")
    }
    switch selector {
    case .index(let expression):
      throw QcowError("bitmap[\(try evaluate(expression))]: index out of range (\(bitmaps.directory.count) bitmaps)")
    case .name(let text), .id(let text): throw QcowError("no bitmap named '\(text)'")
    }
  }

  // MARK: Expressions

  /// The value of `expression` on this image.
  public func evaluate(_ expression: OffsetExpression) throws -> UInt64 {
    var total: UInt64 = 0
    for term in expression.terms {
      let value = try evaluate(term.value)
      let (result, overflow) =
        term.negative ? total.subtractingReportingOverflow(value) : total.addingReportingOverflow(value)
      guard !overflow else {
        throw QcowError("the expression is \(term.negative ? "below 0" : "more than 2^64-1") at column \(term.column)")
      }
      total = result
    }
    return total
  }

  private func evaluate(_ value: OffsetExpression.Value) throws -> UInt64 {
    switch value {
    case .number(let number): return number
    case .cluster: return 1 << (try clusterBits())
    case .structure(let structure): return try offset(of: structure)
    }
  }

  private func offset(of structure: OffsetExpression.Structure) throws -> UInt64 {
    switch structure {
    case .l1Table: return header[.l1TableOffset]
    case .refcountTable: return header[.refcountTableOffset]
    case .snapshotTable: return header[.snapshotOffset]
    case .eof: return image.size
    case .bitmapDirectory:
      guard let bitmaps = area.extensions.lazy.compactMap(\.bitmaps).first else {
        throw QcowError("@bitmap_directory: the image has no Bitmaps extension")
      }
      return bitmaps.directoryOffset
    case .refcountBlock(let index):
      let index = try evaluate(index)
      let block = try refcountTableEntry(index).field("offset")
      guard block != 0 else {
        throw QcowError("@refcount_block[\(index)]: refcount table entry \(index) is unallocated")
      }
      return block
    case .l2Table(let vaddr):
      let vaddr = try evaluate(vaddr)
      return try l2Table(vaddr: vaddr, name: "@l2_table[vaddr=\(hex(vaddr))]")
    case .data(let vaddr):
      let vaddr = try evaluate(vaddr)
      let entry = try l2Entry(vaddr: vaddr)
      let data = try entry.field(try entry.field("compressed") == 1 ? "host_offset" : "offset")
      guard data != 0 else { throw QcowError("@data[vaddr=\(hex(vaddr))]: the L2 entry is unallocated") }
      return data
    case .snapshotL1Table(let index):
      return try snapshot(.index(index)).l1TableOffset
    }
  }

  // MARK: Helpers

  private func sum(_ base: UInt64, _ offset: UInt64, what: String) throws -> UInt64 {
    let (result, overflow) = base.addingReportingOverflow(offset)
    guard !overflow else { throw QcowError("\(what): offset past 2^64-1") }
    return result
  }

  private func read(at offset: UInt64, count: Int, what: String) throws -> [UInt8] {
    guard image.contains(offset: offset, count: UInt64(count)) else {
      throw QcowError("\(what) (\(count) bytes at \(hex(offset))) lies past the end of the file (\(image.size) bytes)")
    }
    return try image.read(at: offset, count: count, what: what)
  }
}

/// `value` as `0x...`.
func hex(_ value: UInt64) -> String {
  FieldFormat.hex.render(value)
}

/// The kinds of metadata table entries a location can name, each with its width and fields.
public struct EntryKind: Sendable, Equatable {
  /// The kind's name in plan text and JSON.
  public let name: String
  /// Bytes per entry (16 for an extended L2 entry); 0 for a refcount narrower than a byte.
  public let bytes: Int
  /// The fields, in display order.
  public let fields: [EntryField]

  /// The field called `name`, if the kind has one.
  public func field(named name: String) -> EntryField? {
    fields.first { $0.name == name }
  }

  /// An L1 table entry: the L2 table's offset and the COPIED flag.
  public static let l1 = EntryKind(
    name: "L1 entry", bytes: 8,
    fields: [EntryField("offset", shift: 9, bits: 47, inPlace: true), EntryField("copied", shift: 63, bits: 1)])

  /// A standard L2 entry (for a normal cluster): offset, COPIED, compressed and zero flags.
  public static let l2 = EntryKind(
    name: "L2 entry", bytes: 8,
    fields: [
      EntryField("offset", shift: 9, bits: 47, inPlace: true), EntryField("copied", shift: 63, bits: 1),
      EntryField("compressed", shift: 62, bits: 1), EntryField("zero", shift: 0, bits: 1),
    ])

  /// An extended L2 entry: the standard fields, then the allocation and zero bitmaps of the
  /// 32 subclusters in the second word.
  public static let extendedL2 = EntryKind(
    name: "extended L2 entry", bytes: 16,
    fields: l2.fields + [
      EntryField("alloc_bitmap", word: 1, shift: 0, bits: 32), EntryField("zero_bitmap", word: 1, shift: 32, bits: 32),
    ])

  /// A compressed L2 entry for `clusterBits`: the descriptor's host offset and stored count of
  /// additional 512-byte sectors (QEMU's nb_csectors - 1), widths from the cluster size.
  public static func compressedL2(clusterBits: UInt64, extended: Bool) -> EntryKind {
    // x = 62 - (cluster_bits - 8) bits of offset; the rest up to bit 61 count sectors.
    let offsetBits = max(0, min(62, 70 - Int(min(clusterBits, 70))))
    return EntryKind(
      name: extended ? "compressed extended L2 entry" : "compressed L2 entry", bytes: extended ? 16 : 8,
      fields: [
        EntryField("host_offset", shift: 0, bits: offsetBits, inPlace: true),
        EntryField("sectors", shift: offsetBits, bits: 62 - offsetBits),
        EntryField("compressed", shift: 62, bits: 1), EntryField("copied", shift: 63, bits: 1),
      ])
  }

  /// A refcount table entry: the refcount block's offset.
  public static let refcountTable = EntryKind(
    name: "refcount table entry", bytes: 8, fields: [EntryField("offset", shift: 9, bits: 55, inPlace: true)])

  /// A refcount block entry of 2^`order` bits.
  public static func refcount(order: UInt64) -> EntryKind {
    let bits = 1 << Int(min(order, 6))
    return EntryKind(name: "refcount (\(bits) bits)", bytes: bits >= 8 ? bits / 8 : 0, fields: [])
  }
}

/// One big-endian field of a variable-length metadata record (a snapshot table entry, a bitmap
/// directory entry): the table that locations, edits, plan text and `get` share.
public struct RecordField: Sendable, Equatable {
  /// The field's name, as manifests and `get` spell it.
  public let name: String
  /// Offset from the start of the record.
  public let offset: Int
  /// Width in bytes.
  public let width: Int
  /// For extra data fields: the extra_data_size the field needs to exist.
  public let extraDataNeeded: Int?

  /// The largest value the field holds.
  public var maximum: UInt64 { width >= 8 ? .max : (1 << UInt64(width * 8)) - 1 }

  private init(_ name: String, _ offset: Int, _ width: Int, extra: Int? = nil) {
    self.name = name
    self.offset = offset
    self.width = width
    extraDataNeeded = extra
  }

  /// Size of a snapshot table entry's fixed part; the extra data follows it.
  public static let snapshotFixedSize = 40

  /// A snapshot table entry's fields: the fixed part, then the extra data fields that exist
  /// when extra_data_size covers them.
  public static let snapshot: [RecordField] = [
    RecordField("l1_table_offset", 0, 8), RecordField("l1_size", 8, 4), RecordField("id_str_size", 12, 2),
    RecordField("name_size", 14, 2), RecordField("date_sec", 16, 4), RecordField("date_nsec", 20, 4),
    RecordField("vm_clock_nsec", 24, 8), RecordField("vm_state_size", 32, 4), RecordField("extra_data_size", 36, 4),
    RecordField("vm_state_size_large", 40, 8, extra: 8), RecordField("disk_size", 48, 8, extra: 16),
    RecordField("icount", 56, 8, extra: 24),
  ]

  /// A bitmap directory entry's fields.
  public static let bitmapDirectory: [RecordField] = [
    RecordField("bitmap_table_offset", 0, 8), RecordField("bitmap_table_size", 8, 4), RecordField("flags", 12, 4),
    RecordField("type", 16, 1), RecordField("granularity_bits", 17, 1), RecordField("name_size", 18, 2),
    RecordField("extra_data_size", 20, 4),
  ]
}

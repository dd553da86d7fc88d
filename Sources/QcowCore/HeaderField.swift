/// One fixed field of the qcow2 header: the single table that drives parsing,
/// writing, text and JSON output.
public struct HeaderField: Sendable, Hashable {
  /// The field's name, as qcow2.py and the manifest spell it.
  public let name: String
  /// Byte offset in the file.
  public let offset: Int
  /// Width in bytes (1, 4 or 8).
  public let width: Int
  /// Display format in text dumps.
  public let format: FieldFormat
  /// The value a version 2 header implies, for fields that only version 3 stores.
  public let version2Value: UInt64?
  /// Whether qcow2.py knows the field (it dumps and sets exactly those).
  public let inQcow2Py: Bool
  /// Position in `HeaderField.all`.
  public let index: Int

  /// The largest value the field can hold.
  public var maximum: UInt64 { width >= 8 ? .max : (1 << UInt64(width * 8)) - 1 }

  /// Whether the field exists in a header of `version` with `headerLength`.
  public func isPresent(version: UInt64, headerLength: UInt64) -> Bool {
    if version2Value == nil { return true }
    if version == 2 { return false }
    return offset < 104 || headerLength > UInt64(offset)
  }

  /// Every field in file order: qcow2.py's 18, then the optional compression type byte.
  public static let all: [HeaderField] = [
    ("magic", 0, 4, FieldFormat.hex, nil),
    ("version", 4, 4, .decimal, nil),
    ("backing_file_offset", 8, 8, .hex, nil),
    ("backing_file_size", 16, 4, .hex, nil),
    ("cluster_bits", 20, 4, .decimal, nil),
    ("size", 24, 8, .decimal, nil),
    ("crypt_method", 32, 4, .decimal, nil),
    ("l1_size", 36, 4, .decimal, nil),
    ("l1_table_offset", 40, 8, .hex, nil),
    ("refcount_table_offset", 48, 8, .hex, nil),
    ("refcount_table_clusters", 56, 4, .decimal, nil),
    ("nb_snapshots", 60, 4, .decimal, nil),
    ("snapshot_offset", 64, 8, .hex, nil),
    ("incompatible_features", 72, 8, .flags, 0),
    ("compatible_features", 80, 8, .flags, 0),
    ("autoclear_features", 88, 8, .flags, 0),
    ("refcount_order", 96, 4, .decimal, 4),
    ("header_length", 100, 4, .decimal, 72),
    ("compression_type", 104, 1, .decimal, 0),
  ].enumerated().map { index, spec in
    HeaderField(
      name: spec.0, offset: spec.1, width: spec.2, format: spec.3, version2Value: spec.4,
      inQcow2Py: spec.0 != "compression_type", index: index)
  }

  /// The fields qcow2.py reads, dumps and writes (the 104-byte struct).
  public static let qcow2Py: [HeaderField] = all.filter(\.inQcow2Py)

  /// The field called `name`, if any.
  public static func named(_ name: String) -> HeaderField? {
    all.first { $0.name == name }
  }

  public static let magic = all[0]
  public static let version = all[1]
  public static let backingFileOffset = all[2]
  public static let backingFileSize = all[3]
  public static let clusterBits = all[4]
  public static let size = all[5]
  public static let cryptMethod = all[6]
  public static let l1Size = all[7]
  public static let l1TableOffset = all[8]
  public static let refcountTableOffset = all[9]
  public static let refcountTableClusters = all[10]
  public static let nbSnapshots = all[11]
  public static let snapshotOffset = all[12]
  public static let incompatibleFeatures = all[13]
  public static let compatibleFeatures = all[14]
  public static let autoclearFeatures = all[15]
  public static let refcountOrder = all[16]
  public static let headerLength = all[17]
  public static let compressionType = all[18]
}

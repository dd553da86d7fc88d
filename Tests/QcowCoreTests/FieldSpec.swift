import QcowCore
import Testing

/// The expected facts about one header field, from the qcow2 specification and qcow2.py.
struct FieldSpec: Sendable, CustomTestStringConvertible {
  /// The field's name.
  let name: String
  /// Byte offset in the header.
  let offset: Int
  /// Width in bytes.
  let width: Int
  /// Text dump format.
  let format: FieldFormat
  /// The value a version 2 header implies, nil when version 2 stores the field.
  let version2Value: UInt64?
  /// The largest storable value.
  let maximum: UInt64

  var testDescription: String { name }

  /// qcow2.py's 18 fields in its order (u32 and u64 fields, 104 bytes), as the compatibility notes list them.
  static let qcow2Py: [FieldSpec] = [
    FieldSpec(name: "magic", offset: 0, width: 4, format: .hex, version2Value: nil, maximum: 0xffff_ffff),
    FieldSpec(name: "version", offset: 4, width: 4, format: .decimal, version2Value: nil, maximum: 0xffff_ffff),
    FieldSpec(name: "backing_file_offset", offset: 8, width: 8, format: .hex, version2Value: nil, maximum: .max),
    FieldSpec(name: "backing_file_size", offset: 16, width: 4, format: .hex, version2Value: nil, maximum: 0xffff_ffff),
    FieldSpec(name: "cluster_bits", offset: 20, width: 4, format: .decimal, version2Value: nil, maximum: 0xffff_ffff),
    FieldSpec(name: "size", offset: 24, width: 8, format: .decimal, version2Value: nil, maximum: .max),
    FieldSpec(name: "crypt_method", offset: 32, width: 4, format: .decimal, version2Value: nil, maximum: 0xffff_ffff),
    FieldSpec(name: "l1_size", offset: 36, width: 4, format: .decimal, version2Value: nil, maximum: 0xffff_ffff),
    FieldSpec(name: "l1_table_offset", offset: 40, width: 8, format: .hex, version2Value: nil, maximum: .max),
    FieldSpec(name: "refcount_table_offset", offset: 48, width: 8, format: .hex, version2Value: nil, maximum: .max),
    FieldSpec(
      name: "refcount_table_clusters", offset: 56, width: 4, format: .decimal, version2Value: nil,
      maximum: 0xffff_ffff),
    FieldSpec(name: "nb_snapshots", offset: 60, width: 4, format: .decimal, version2Value: nil, maximum: 0xffff_ffff),
    FieldSpec(name: "snapshot_offset", offset: 64, width: 8, format: .hex, version2Value: nil, maximum: .max),
    FieldSpec(name: "incompatible_features", offset: 72, width: 8, format: .flags, version2Value: 0, maximum: .max),
    FieldSpec(name: "compatible_features", offset: 80, width: 8, format: .flags, version2Value: 0, maximum: .max),
    FieldSpec(name: "autoclear_features", offset: 88, width: 8, format: .flags, version2Value: 0, maximum: .max),
    FieldSpec(name: "refcount_order", offset: 96, width: 4, format: .decimal, version2Value: 4, maximum: 0xffff_ffff),
    FieldSpec(name: "header_length", offset: 100, width: 4, format: .decimal, version2Value: 72, maximum: 0xffff_ffff),
  ]

  /// The optional version 3 compression type byte, which qcow2.py does not know.
  static let compressionType = FieldSpec(
    name: "compression_type", offset: 104, width: 1, format: .decimal, version2Value: 0, maximum: 0xff)

  /// Every field `HeaderField.all` should list, in order.
  static let all = qcow2Py + [compressionType]
}

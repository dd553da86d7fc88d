/// What the value of a manifest key is, for the schema to describe; `ManifestLoader` reads each
/// kind with its own checks.
enum ManifestValue: Sendable {
  /// The format version: 1.
  case version
  /// The list of image entries.
  case images
  /// A file name, relative to the manifest's directory; not empty.
  case path
  /// A mapping of header field names to the values they must have.
  case expectations
  /// The list of edits.
  case edits
  /// A mapping of qemu-img create options.
  case creation
  /// A header field name.
  case fieldName
  /// A number that fits the header field named beside it.
  case fieldValue
  /// A feature group name.
  case group
  /// A feature bit number, 0 to 63.
  case bit
  /// A header extension magic, 1 to 0xffffffff.
  case magic
  /// Any scalar, taken as its text.
  case text
  /// Hex digits, two per byte, spaces allowed.
  case hex
  /// A metadata location (`l2[vaddr=64k]`).
  case location
  /// A number or an offset expression (`@refcount_table + 14`).
  case expression
  /// A byte value, 0 to 255.
  case byte
  /// An entry field's value: an expression, or true and false for 1 and 0.
  case entryField
  /// The list of setup steps.
  case setup
  /// A byte count or offset, with size suffixes allowed.
  case size
  /// Seconds since the epoch, 32 bits.
  case date
}

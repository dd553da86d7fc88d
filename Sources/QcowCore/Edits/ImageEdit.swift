/// A change to an image's bytes beyond the header area: a named metadata entry set, raw
/// bytes poked or filled, the file cut or grown.
public enum ImageEdit: Sendable, Equatable {
  /// How a `set` changes an entry.
  public enum Change: Sendable, Equatable {
    /// The whole raw value (an entry's first 8 bytes).
    case value(OffsetExpression)
    /// Named fields; the other bits are kept.
    case fields([FieldValue])
  }

  /// One named field and its new value.
  public struct FieldValue: Sendable, Equatable {
    /// The field's name.
    public let name: String
    /// Its new value.
    public let value: OffsetExpression

    /// `name` set to `value`.
    public init(name: String, value: OffsetExpression) {
      self.name = name
      self.value = value
    }
  }

  /// What a `poke` writes.
  public enum Bytes: Sendable, Equatable {
    /// These bytes.
    case raw([UInt8])
    /// A big-endian integer of `width` bytes.
    case integer(OffsetExpression, width: Int)
  }

  /// Set the entry or entries at a location.
  case set(Location, Change)
  /// Write bytes at a host offset.
  case poke(at: OffsetExpression, Bytes)
  /// Write `length` copies of a byte at a host offset.
  case fill(at: OffsetExpression, length: OffsetExpression, byte: UInt8)
  /// Cut or grow the file to a size.
  case truncate(size: OffsetExpression)
  /// Rewrite the header area as `qemu-img rebase -u -b FILE -F FORMAT` does (nil file: `-b ""`).
  case setBackingFile(file: [UInt8]?, format: [UInt8]?)
  /// Rewrite the header area as `qemu-img amend -o data_file=NAME` does.
  case setDataFile([UInt8])

  /// The most bytes one fill may write (they are held in memory until the image is staged).
  public static let fillLimit: UInt64 = 256 << 20
}

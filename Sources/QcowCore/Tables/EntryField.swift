/// One bit field of a metadata table entry (an L1, L2 or refcount table entry): the single
/// description that decoding, editing, plan text, JSON and `get` use.
public struct EntryField: Sendable, Equatable {
  /// The field's name, as manifests and `get` spell it.
  public let name: String
  /// Which 64-bit word of the entry holds it (1 for an extended L2 entry's bitmaps).
  public let word: Int
  /// The lowest bit.
  public let shift: Int
  /// The number of bits.
  public let bits: Int
  /// Whether the value is the bits in place (an offset), rather than shifted down.
  public let inPlace: Bool

  /// A field of `bits` bits from bit `shift` of word `word`.
  public init(_ name: String, word: Int = 0, shift: Int, bits: Int, inPlace: Bool = false) {
    self.name = name
    self.word = word
    self.shift = shift
    self.bits = bits
    self.inPlace = inPlace
  }

  /// The field's bits in its word.
  public var mask: UInt64 {
    let low: UInt64 = bits >= 64 ? .max : (1 << UInt64(bits)) - 1
    return low << UInt64(shift)
  }

  /// The largest value the field takes.
  public var maximum: UInt64 { inPlace ? mask : mask >> UInt64(shift) }

  /// Whether the field is one bit (shown as a flag).
  public var isFlag: Bool { bits == 1 }

  /// The field's value in `word`.
  public func value(in word: UInt64) -> UInt64 {
    inPlace ? word & mask : (word & mask) >> UInt64(shift)
  }

  /// `word` with the field set to `value`; nil when the value does not fit (an in-place
  /// value must also have no bits outside the field).
  public func storing(_ value: UInt64, in word: UInt64) -> UInt64? {
    let placed = inPlace ? value : value << UInt64(shift)
    guard value <= maximum, placed & ~mask == 0 else { return nil }
    return word & ~mask | placed
  }
}

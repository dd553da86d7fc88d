/// Big-endian integer access to byte arrays that returns nil instead of trapping.
extension Array where Element == UInt8 {
  /// The unsigned integer of `width` bytes (1...8) at `offset`, or nil when out of bounds.
  public func bigEndianValue(at offset: Int, width: Int) -> UInt64? {
    guard width >= 1, width <= 8, offset >= 0, offset <= count &- width else { return nil }
    var value: UInt64 = 0
    for index in offset..<(offset + width) {
      value = value << 8 | UInt64(self[index])
    }
    return value
  }

  /// The `UInt8` at `offset`, or nil when out of bounds.
  public func uint8(at offset: Int) -> UInt8? {
    bigEndianValue(at: offset, width: 1).map { UInt8(truncatingIfNeeded: $0) }
  }

  /// The big-endian `UInt16` at `offset`, or nil when out of bounds.
  public func uint16(at offset: Int) -> UInt16? {
    bigEndianValue(at: offset, width: 2).map { UInt16(truncatingIfNeeded: $0) }
  }

  /// The big-endian `UInt32` at `offset`, or nil when out of bounds.
  public func uint32(at offset: Int) -> UInt32? {
    bigEndianValue(at: offset, width: 4).map { UInt32(truncatingIfNeeded: $0) }
  }

  /// The big-endian `UInt64` at `offset`, or nil when out of bounds.
  public func uint64(at offset: Int) -> UInt64? {
    bigEndianValue(at: offset, width: 8)
  }

  /// The bytes in `offset..<offset+length`, or nil when out of bounds.
  public func bytes(at offset: Int, length: Int) -> [UInt8]? {
    guard length >= 0, offset >= 0, offset <= count &- length else { return nil }
    return Array(self[offset..<(offset + length)])
  }

  /// Appends `value` as `width` big-endian bytes (its low bytes).
  public mutating func appendBigEndian(_ value: UInt64, width: Int) {
    for shift in stride(from: (width - 1) * 8, through: 0, by: -8) {
      append(UInt8(truncatingIfNeeded: value >> UInt64(shift)))
    }
  }

  /// Stores `value` as `width` big-endian bytes at `offset`, which must be in bounds.
  mutating func storeBigEndian(_ value: UInt64, width: Int, at offset: Int) {
    for index in 0..<width {
      let shift = UInt64((width - 1 - index) * 8)
      self[offset + index] = UInt8(truncatingIfNeeded: value >> shift)
    }
  }
}

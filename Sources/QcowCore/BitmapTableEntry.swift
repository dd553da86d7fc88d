/// One 64-bit entry of a bitmap table.
public struct BitmapTableEntry: Sendable, Equatable {
  /// The raw entry.
  public let raw: UInt64

  /// Bits that must be zero.
  public var reserved: UInt64 { raw & 0xff00_0000_0000_01fe }
  /// Host offset of the data cluster; 0 when unallocated.
  public var offset: UInt64 { raw & 0x00ff_ffff_ffff_fe00 }

  /// qcow2.py's name for the entry's state.
  public var type: String {
    if offset != 0 { return raw & 1 != 0 ? "invalid" : "serialized" }
    return raw & 1 != 0 ? "all-ones" : "all-zeroes"
  }
}

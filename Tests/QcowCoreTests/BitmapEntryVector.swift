import Testing

@testable import QcowCore

/// A raw bitmap table entry with its decoded state, offset and reserved bits.
struct BitmapEntryVector: Sendable, CustomTestStringConvertible {
  /// The raw 64-bit entry.
  let raw: UInt64
  /// qcow2.py's type name.
  let type: String
  /// The data cluster offset.
  let offset: UInt64
  /// The reserved bits that are set.
  let reserved: UInt64

  var testDescription: String { "0x" + String(raw, radix: 16) }

  /// The four states (offset zero or not, bit 0 clear or set), each with and without reserved bits.
  static let all: [BitmapEntryVector] = [
    BitmapEntryVector(raw: 0, type: "all-zeroes", offset: 0, reserved: 0),
    BitmapEntryVector(raw: 1, type: "all-ones", offset: 0, reserved: 0),
    BitmapEntryVector(raw: 0x19_0000, type: "serialized", offset: 0x19_0000, reserved: 0),
    BitmapEntryVector(raw: 0x19_0001, type: "invalid", offset: 0x19_0000, reserved: 0),
    BitmapEntryVector(raw: 0x200, type: "serialized", offset: 0x200, reserved: 0),
    BitmapEntryVector(raw: 0x00ff_ffff_ffff_fe00, type: "serialized", offset: 0x00ff_ffff_ffff_fe00, reserved: 0),
    BitmapEntryVector(raw: 0x2, type: "all-zeroes", offset: 0, reserved: 0x2),
    BitmapEntryVector(raw: 0x1ff, type: "all-ones", offset: 0, reserved: 0x1fe),
    BitmapEntryVector(raw: 0x0100_0000_0000_0000, type: "all-zeroes", offset: 0, reserved: 0x0100_0000_0000_0000),
    BitmapEntryVector(
      raw: 0xff00_0000_0000_0001, type: "all-ones", offset: 0, reserved: 0xff00_0000_0000_0000),
    BitmapEntryVector(
      raw: 0x8000_0000_0004_0100, type: "serialized", offset: 0x4_0000, reserved: 0x8000_0000_0000_0100),
    BitmapEntryVector(raw: 0x4000_0000_0004_0003, type: "invalid", offset: 0x4_0000, reserved: 0x4000_0000_0000_0002),
    BitmapEntryVector(raw: .max, type: "invalid", offset: 0x00ff_ffff_ffff_fe00, reserved: 0xff00_0000_0000_01fe),
  ]
}

import Testing

@testable import QcowCore

/// Decoding of extension data: the printable display, feature tables and bitmap table entries.
@Suite("Extension data decoding")
struct ExtensionDataTests {
  @Test("dataDisplay quotes printable data and hides binary data", arguments: DisplayVector.all)
  func display(_ vector: DisplayVector) {
    #expect(HeaderExtension(magic: 0x1234_5678, data: vector.data).dataDisplay == vector.expected)
  }

  @Test("a single byte is shown exactly when it is in string.printable", arguments: 0...255)
  func singleByte(_ byte: Int) {
    let value = UInt8(byte)
    let printable = DisplayVector.pythonPrintable.utf8.contains(value)
    let expected = printable ? "'" + String(UnicodeScalar(value)) + "'" : "<binary>"
    #expect(HeaderExtension(magic: 1, data: [value]).dataDisplay == expected)
  }

  @Test("string.printable has Python's 100 characters")
  func printableCount() {
    #expect(DisplayVector.pythonPrintable.utf8.count == 100)
  }

  @Test("FeatureTableEntry.decode reads whole 48-byte entries", arguments: FeatureTableVector.all)
  func featureTable(_ vector: FeatureTableVector) {
    #expect(FeatureTableEntry.decode(vector.data) == vector.expected)
  }

  @Test("BitmapTableEntry splits type, offset and reserved bits", arguments: BitmapEntryVector.all)
  func bitmapEntry(_ vector: BitmapEntryVector) {
    let entry = BitmapTableEntry(raw: vector.raw)
    #expect(entry.type == vector.type)
    #expect(entry.offset == vector.offset)
    #expect(entry.reserved == vector.reserved)
  }

  @Test(
    "ExtensionKind names, and <unknown> for other magics",
    arguments: [
      (UInt32(0xe279_2aca), "Backing format"), (0x6803_f857, "Feature table"), (0x0537_be77, "Crypto header"),
      (0x2385_2875, "Bitmaps"), (0x4441_5441, "Data file"), (0, "<unknown>"), (0x1234_5678, "<unknown>"),
    ])
  func kindName(_ magic: UInt32, _ name: String) {
    #expect(ExtensionKind.name(of: magic) == name)
  }

  @Test(
    "encodedSize is 8 plus the data padded to 8",
    arguments: [
      (0, 8), (1, 16), (5, 16), (7, 16), (8, 16), (9, 24), (384, 392),
    ])
  func encodedSize(_ length: Int, _ size: Int) {
    #expect(HeaderExtension(magic: 1, data: Array(repeating: 0x61, count: length)).encodedSize == size)
  }
}

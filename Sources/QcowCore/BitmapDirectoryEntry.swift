/// One entry of the bitmap directory.
public struct BitmapDirectoryEntry: Sendable, Equatable {
  /// Size of the fixed part of an entry.
  public static let fixedSize = 24

  /// File offset of the bitmap table.
  public let tableOffset: UInt64
  /// Number of 8-byte entries in the bitmap table.
  public let tableSize: UInt32
  /// Flags: bit 0 in-use, bit 1 auto.
  public let flags: UInt32
  /// Bitmap type (1 = dirty tracking).
  public let type: UInt8
  /// log2 of the bytes each bit covers.
  public let granularityBits: UInt8
  /// Length of the name in bytes.
  public let nameSize: UInt16
  /// Length of the extra data in bytes.
  public let extraDataSize: UInt32
  /// The bitmap's name (ASCII).
  public let name: String

  /// Decodes the entry starting at `position` of the directory `bytes`.
  init(directory bytes: [UInt8], at position: Int, index: Int) throws {
    guard let offset = bytes.uint64(at: position), let size = bytes.uint32(at: position + 8),
      let flags = bytes.uint32(at: position + 12), let type = bytes.uint8(at: position + 16),
      let granularity = bytes.uint8(at: position + 17), let nameSize = bytes.uint16(at: position + 18),
      let extra = bytes.uint32(at: position + 20)
    else {
      throw QcowError("bitmap directory entry \(index) runs past the end of the directory")
    }
    guard let extraLength = Int(exactly: extra),
      let nameBytes = bytes.bytes(at: position + BitmapDirectoryEntry.fixedSize + extraLength, length: Int(nameSize))
    else {
      throw QcowError("bitmap directory entry \(index) runs past the end of the directory")
    }
    guard nameBytes.allSatisfy({ $0 < 0x80 }) else {
      throw QcowError("bitmap directory entry \(index) has a name that is not ASCII")
    }
    tableOffset = offset
    tableSize = size
    self.flags = flags
    self.type = type
    granularityBits = granularity
    self.nameSize = nameSize
    extraDataSize = extra
    name = String(decoding: nameBytes, as: UTF8.self)
  }

  /// Bytes the entry takes in the directory, padding included.
  var encodedSize: Int {
    HeaderExtension.padded(BitmapDirectoryEntry.fixedSize + Int(extraDataSize) + Int(nameSize))
  }

  /// Fails unless the bitmap table lies inside `file`.
  func checkTable(in file: any ImageSource) throws {
    guard file.contains(offset: tableOffset, count: UInt64(tableSize) * 8) else {
      throw QcowError(
        "bitmap '\(name)': table of \(tableSize) entries at offset \(tableOffset) runs past the end of the file (\(file.size) bytes)"
      )
    }
  }

  /// Reads the bitmap table from `file` (it lies inside the file: `checkTable` passed).
  public func readTable(from file: any ImageSource) throws -> [BitmapTableEntry] {
    let bytes = try file.read(at: tableOffset, count: Int(tableSize) * 8, what: "bitmap '\(name)' table")
    return stride(from: 0, to: bytes.count, by: 8).map { BitmapTableEntry(raw: bytes.uint64(at: $0) ?? 0) }
  }

  /// The names of the set flags as qcow2.py lists them.
  public var flagNames: [String] {
    FieldFormat.setBits(of: UInt64(flags)).map { bit in
      switch bit {
      case 0: return "in-use"
      case 1: return "auto"
      default: return "bit-\(bit)"
      }
    }
  }
}

/// One header extension: a type magic and its data (without padding).
public struct HeaderExtension: Sendable, Equatable {
  /// The extension type.
  public var magic: UInt32
  /// The data bytes; `length` on disk is their count.
  public var data: [UInt8]
  /// Where the extension started in the file, when it was read from one.
  public var offset: Int?
  /// The decoded Bitmaps extension with its directory, when read from a file.
  public var bitmaps: BitmapsExtension?

  /// An extension with `magic` and `data`, not yet placed in a file.
  public init(magic: UInt32, data: [UInt8], offset: Int? = nil, bitmaps: BitmapsExtension? = nil) {
    self.magic = magic
    self.data = data
    self.offset = offset
    self.bitmaps = bitmaps
  }

  /// The known type, if the magic is one.
  public var kind: ExtensionKind? { ExtensionKind(rawValue: magic) }

  /// Bytes the extension takes on disk: 8-byte type and length, data, padding to 8.
  public var encodedSize: Int { 8 + HeaderExtension.padded(data.count) }

  /// `length` rounded up to a multiple of 8.
  public static func padded(_ length: Int) -> Int { (length + 7) & ~7 }

  /// Appends the on-disk form (type, length, data, zero padding).
  func encode(into bytes: inout [UInt8]) {
    bytes.appendBigEndian(UInt64(magic), width: 4)
    bytes.appendBigEndian(UInt64(data.count), width: 4)
    bytes.append(contentsOf: data)
    bytes.append(contentsOf: repeatElement(0, count: HeaderExtension.padded(data.count) - data.count))
  }

  /// The data as qcow2.py shows it: quoted text when every byte is printable ASCII.
  public var dataDisplay: String {
    if data.allSatisfy(HeaderExtension.isPythonPrintable) {
      return "'" + String(decoding: data, as: UTF8.self) + "'"
    }
    return "<binary>"
  }

  /// Whether `byte` is in Python's `string.printable`.
  static func isPythonPrintable(_ byte: UInt8) -> Bool {
    (0x20...0x7e).contains(byte) || (0x09...0x0d).contains(byte)
  }
}

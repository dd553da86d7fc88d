/// One header extension: a type magic, its declared length, and the bytes that follow its
/// 8-byte type and length in the file, split into the data and the padding after it.
public struct HeaderExtension: Sendable, Equatable {
  /// The extension type.
  public var magic: UInt32
  /// The length field as stored; normally the count of `data`.
  public var length: UInt32
  /// The data bytes: the first `length` bytes after the type and length (fewer when the
  /// file ends first; the 24 decoded bytes for a Bitmaps extension).
  public var data: [UInt8]
  /// The bytes between the data and the next multiple of 8, as read (zeros for a new one).
  public var padding: [UInt8]
  /// Where the extension started in the file, when it was read from one.
  public var offset: UInt64?
  /// The decoded Bitmaps extension with its directory, when read from a file.
  public var bitmaps: BitmapsExtension?

  /// A new extension with `magic` and `data`, zero-padded, not yet placed in a file.
  public init(magic: UInt32, data: [UInt8]) {
    self.init(
      magic: magic, length: UInt32(clamping: data.count), data: data,
      padding: Array(repeating: 0, count: HeaderExtension.padded(data.count) - data.count))
  }

  /// An extension as read from a file.
  public init(
    magic: UInt32, length: UInt32, data: [UInt8], padding: [UInt8], offset: UInt64? = nil,
    bitmaps: BitmapsExtension? = nil
  ) {
    self.magic = magic
    self.length = length
    self.data = data
    self.padding = padding
    self.offset = offset
    self.bitmaps = bitmaps
  }

  /// The known type, if the magic is one.
  public var kind: ExtensionKind? { ExtensionKind(rawValue: magic) }

  /// Bytes the extension takes when written: 8-byte type and length, data, padding.
  public var encodedSize: Int { 8 + data.count + padding.count }

  /// Whether the file ended before the data and padding its length declares.
  public var isTruncated: Bool {
    kind != .bitmaps && data.count + padding.count < HeaderExtension.padded(Int(length))
  }

  /// `length` rounded up to a multiple of 8.
  public static func padded(_ length: Int) -> Int { (length + 7) & ~7 }

  /// Whether `other` has the same bytes on disk (type, length, data and padding).
  public func hasSameBytes(as other: HeaderExtension) -> Bool {
    magic == other.magic && length == other.length && data == other.data && padding == other.padding
  }

  /// Appends the on-disk form: type, length, data, padding.
  func encode(into bytes: inout [UInt8]) {
    bytes.appendBigEndian(UInt64(magic), width: 4)
    bytes.appendBigEndian(UInt64(length), width: 4)
    bytes.append(contentsOf: data)
    bytes.append(contentsOf: padding)
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

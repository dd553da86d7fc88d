/// The fixed header fields of a qcow2 image, keyed by `HeaderField`.
public struct Header: Sendable, Equatable {
  /// The size of the version 2 header.
  public static let version2Length = 72
  /// The size of qcow2.py's header struct (the version 3 mandatory fields).
  public static let version3Length = 104
  /// Bytes read to parse the header: the mandatory fields plus compression type and padding.
  public static let readLength = 112

  private var values: [UInt64]
  /// Fields written by an edit since the header was read.
  private(set) var edited: Set<Int> = []

  /// Parses the header at the start of `bytes`, applying the version 2 defaults.
  public init(parsing bytes: [UInt8]) throws {
    guard let version = bytes.uint32(at: HeaderField.version.offset) else {
      throw QcowError("file too short for a qcow2 header (\(bytes.count) \(bytes.count == 1 ? "byte" : "bytes"))")
    }
    let needed = version == 2 ? Header.version2Length : Header.version3Length
    guard bytes.count >= needed else {
      throw QcowError(
        "file too short for a version \(version) qcow2 header (\(bytes.count) bytes, need \(needed))")
    }
    values = HeaderField.all.map { field in
      if version == 2, let implied = field.version2Value { return implied }
      return bytes.bigEndianValue(at: field.offset, width: field.width) ?? 0
    }
    if !HeaderField.compressionType.isPresent(version: UInt64(version), headerLength: self[.headerLength]) {
      values[HeaderField.compressionType.index] = 0
    }
  }

  /// A header holding `values` (every other field 0), as a writer builds one.
  public init(_ values: [HeaderField: UInt64]) {
    self.values = HeaderField.all.map { values[$0] ?? 0 }
  }

  /// The value of `field`.
  public subscript(field: HeaderField) -> UInt64 {
    get { values[field.index] }
    set {
      values[field.index] = newValue
      edited.insert(field.index)
    }
  }

  /// The header version.
  public var version: UInt64 { self[.version] }
  /// Whether the image uses the version 2 layout (72-byte header, no feature fields).
  public var isVersion2: Bool { version == 2 }
  /// Offset where the header extensions start.
  public var headerLength: UInt64 { self[.headerLength] }

  /// The header serialized as qcow2.py lays it out: the 104-byte field struct.
  func fieldBytes() -> [UInt8] {
    var bytes = [UInt8]()
    for field in HeaderField.qcow2Py {
      bytes.appendBigEndian(self[field], width: field.width)
    }
    return bytes
  }
}

/// Where each part of a header area goes when it is written back.
public struct HeaderLayout: Sendable, Equatable {
  /// Bytes of header fields written at offset 0 (72 for version 2, else up to 104).
  public let fieldBytes: Int
  /// Offset of the first extension (header_length).
  public let extensionsStart: Int
  /// Offset just past the end-of-extensions marker.
  public let extensionsEnd: Int
  /// Offset of the backing file name, when there is one.
  public let backingNameOffset: Int?
  /// Offset just past the last byte of the area.
  public let end: Int

  /// The layout of `area` as it would be written now.
  init(of area: HeaderArea) throws {
    let headerLength = area.header.headerLength
    guard let start = Int(exactly: headerLength), start >= Header.version2Length else {
      throw QcowError("header_length \(headerLength) is below 72, the smallest qcow2 header")
    }
    if !area.header.isVersion2 && start < Header.version3Length {
      throw QcowError(
        "header_length \(start) is below 104: the extensions would overwrite the version 3 header fields")
    }
    fieldBytes = min(start, Header.version3Length)
    extensionsStart = start
    extensionsEnd = start + area.extensions.reduce(8) { $0 + $1.encodedSize }
    if let name = area.backingFileName {
      backingNameOffset = extensionsEnd
      end = extensionsEnd + name.count
    } else {
      backingNameOffset = nil
      end = extensionsEnd
    }
  }
}

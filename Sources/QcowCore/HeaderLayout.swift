/// Where each part of a header area goes when it is written back: the extensions at
/// header_length, the end marker, then the backing file name.
public struct HeaderLayout: Sendable, Equatable {
  /// Offset of the first extension (header_length).
  public let extensionsStart: UInt64
  /// Offset just past the end-of-extensions marker.
  public let extensionsEnd: UInt64
  /// Offset of the backing file name, when there is one.
  public let backingNameOffset: UInt64?
  /// Offset just past the last byte of the area.
  public let end: UInt64

  /// The layout of `area` as it would be written now.
  init(of area: HeaderArea) {
    extensionsStart = area.header.headerLength
    let size = area.extensions.reduce(8) { $0 + $1.encodedSize }
    extensionsEnd = extensionsStart + UInt64(size)
    if let name = area.backingFileName {
      backingNameOffset = extensionsEnd
      end = extensionsEnd + UInt64(name.count)
    } else {
      backingNameOffset = nil
      end = extensionsEnd
    }
  }
}

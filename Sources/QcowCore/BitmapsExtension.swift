/// The Bitmaps header extension with its decoded bitmap directory.
public struct BitmapsExtension: Sendable, Equatable {
  /// The extension's fixed data size.
  public static let dataSize = 24
  /// QEMU's limit on the directory size (1024 bytes for each of at most 65535 bitmaps).
  public static let maximumDirectorySize: UInt64 = 1024 * 65535

  /// Number of bitmaps the directory holds.
  public let nbBitmaps: UInt32
  /// Reserved, must be zero.
  public let reserved32: UInt32
  /// Size of the bitmap directory in bytes.
  public let directorySize: UInt64
  /// File offset of the bitmap directory.
  public let directoryOffset: UInt64
  /// The directory entries.
  public let directory: [BitmapDirectoryEntry]

  /// Decodes the extension `data` (24 bytes) and reads its directory from `file`.
  public init(data: [UInt8], file: any ImageSource) throws {
    guard data.count == BitmapsExtension.dataSize, let nb = data.uint32(at: 0),
      let reserved = data.uint32(at: 4), let size = data.uint64(at: 8), let offset = data.uint64(at: 16)
    else {
      throw QcowError("Bitmaps extension has \(data.count) bytes of data, not 24")
    }
    nbBitmaps = nb
    reserved32 = reserved
    directorySize = size
    directoryOffset = offset
    guard size <= BitmapsExtension.maximumDirectorySize else {
      throw QcowError(
        "bitmap directory size \(size) is larger than QEMU's limit of \(BitmapsExtension.maximumDirectorySize)")
    }
    guard UInt64(nb) * UInt64(BitmapDirectoryEntry.fixedSize) <= size else {
      throw QcowError("bitmap directory of \(size) bytes cannot hold \(nb) bitmaps")
    }
    let bytes = try file.read(at: offset, count: Int(size), what: "bitmap directory")
    var entries: [BitmapDirectoryEntry] = []
    var position = 0
    for index in 0..<Int(nb) {
      let entry = try BitmapDirectoryEntry(directory: bytes, at: position, index: index)
      try entry.checkTable(in: file)
      entries.append(entry)
      position += entry.encodedSize
    }
    directory = entries
  }
}

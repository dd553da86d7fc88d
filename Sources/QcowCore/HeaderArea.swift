/// The header area of an image as read from its first cluster: the header fields, the
/// header extensions and the backing file name. Edits change it in memory; `encoded()`
/// computes and checks the bytes that replace it on disk.
public struct HeaderArea: Sendable {
  /// The qcow2 magic, "QFI\xfb".
  public static let magic: UInt64 = 0x5146_49fb
  /// The cluster sizes QEMU accepts, as log2.
  public static let clusterBitsRange: ClosedRange<UInt64> = 9...21

  /// The header fields.
  public var header: Header
  /// The header extensions in file order.
  public var extensions: [HeaderExtension]
  /// The backing file name, when the image had one when it was read.
  public let backingFileName: [UInt8]?
  /// The cluster size of the image as read; the header area must fit in one such cluster.
  public let clusterSize: Int
  /// The file's size when it was read.
  public let fileSize: UInt64
  /// The original bytes of the first cluster (fewer when the file is shorter).
  private(set) var original: [UInt8]
  /// Where the header area ended as read: past the end marker, or the backing file name.
  public let originalEnd: Int

  /// Reads and checks the header area of `file`.
  public init(reading file: any ImageSource) throws {
    fileSize = file.size
    let head = try file.read(
      at: 0, count: Int(min(file.size, UInt64(Header.readLength))), what: "the header")
    header = try Header(parsing: head)
    guard header[.magic] == HeaderArea.magic else {
      throw QcowError(
        "not a qcow2 image: magic is \(FieldFormat.hex.render(header[.magic])), expected 0x514649fb")
    }
    let bits = header[.clusterBits]
    guard HeaderArea.clusterBitsRange.contains(bits) else {
      throw QcowError("cluster_bits \(bits) is outside 9..21 (512 B to 2 MiB clusters)")
    }
    clusterSize = 1 << Int(bits)
    let cluster = try file.read(at: 0, count: Int(min(file.size, UInt64(clusterSize))), what: "the first cluster")
    let headerLength = header.headerLength
    guard headerLength >= UInt64(Header.version2Length) else {
      throw QcowError("header_length \(headerLength) is below 72, the smallest qcow2 header")
    }
    guard headerLength <= UInt64(clusterSize) else {
      throw QcowError("header_length \(headerLength) is larger than the cluster size (\(clusterSize))")
    }
    let backingOffset = header[.backingFileOffset]
    let limit = backingOffset == 0 ? clusterSize : Int(min(backingOffset, UInt64(clusterSize)))
    var end = 0
    extensions = try HeaderArea.readExtensions(
      cluster, from: Int(headerLength), limit: limit, file: file, end: &end)
    if backingOffset == 0 {
      backingFileName = nil
    } else {
      let size = header[.backingFileSize]
      guard let start = Int(exactly: backingOffset), let count = Int(exactly: size),
        let name = cluster.bytes(at: start, length: count)
      else {
        let place = file.contains(offset: backingOffset, count: size) ? "the first cluster" : "the end of the file"
        throw QcowError(
          "backing file name (\(size) bytes at offset \(backingOffset)) runs past \(place)")
      }
      backingFileName = name
      end = max(end, start + count)
    }
    originalEnd = end
    original = cluster
  }

  /// The area without the copy of its first cluster, for keeping many areas after their
  /// bytes were encoded: `encoded()` no longer works on it.
  public func discardingOriginal() -> HeaderArea {
    var copy = self
    copy.original = []
    return copy
  }

  /// Parses the extension list starting at `start`, stopping at the end marker or `limit`.
  private static func readExtensions(
    _ bytes: [UInt8], from start: Int, limit: Int, file: any ImageSource, end: inout Int
  ) throws -> [HeaderExtension] {
    var result: [HeaderExtension] = []
    var position = start
    defer { end = position }
    func pastEnd(_ end: Int) -> String {
      UInt64(end) > file.size ? "the end of the file (\(file.size) bytes)" : "the header area (offset \(limit))"
    }
    while position < limit {
      guard let magic = bytes.uint32(at: position), let length = bytes.uint32(at: position + 4) else {
        throw QcowError("header extension at offset \(position) runs past \(pastEnd(position + 8))")
      }
      if magic == 0 {
        position += 8
        break
      }
      let dataEnd = position + 8 + Int(length)
      guard dataEnd <= limit, let data = bytes.bytes(at: position + 8, length: Int(length)) else {
        throw QcowError(
          "header extension \(FieldFormat.hex.render(UInt64(magic))) at offset \(position): "
            + "its length \(length) runs past \(pastEnd(dataEnd))")
      }
      var bitmaps: BitmapsExtension?
      if magic == ExtensionKind.bitmaps.rawValue, data.count == BitmapsExtension.dataSize {
        bitmaps = try BitmapsExtension(data: data, file: file)
      }
      result.append(HeaderExtension(magic: magic, data: data, offset: position, bitmaps: bitmaps))
      position += 8 + HeaderExtension.padded(Int(length))
    }
    return result
  }
}

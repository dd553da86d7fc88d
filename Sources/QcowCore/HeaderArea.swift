/// The header area of an image as qcow2.py reads it, whatever its values: the header
/// fields, the header extensions and the backing file name. Edits change it in memory;
/// `encoded(over:)` computes and checks the writes that store it.
public struct HeaderArea: Sendable {
  /// The qcow2 magic, "QFI\xfb".
  public static let magic: UInt64 = 0x5146_49fb
  /// The cluster sizes QEMU accepts, as log2.
  public static let clusterBitsRange: ClosedRange<UInt64> = 9...21

  /// The header fields.
  public var header: Header
  /// The header extensions in file order.
  public var extensions: [HeaderExtension]
  /// The backing file name as read (shorter than backing_file_size where the file ends
  /// first), when backing_file_offset was not 0.
  public let backingFileName: [UInt8]?
  /// The cluster size as read; the header area must fit in one such cluster.
  public let clusterSize: ClusterSize
  /// The file's size when it was read.
  public let fileSize: UInt64
  /// Where the header area ended as read: past the end marker, or the backing file name.
  public let originalEnd: UInt64
  /// Where qcow2.py would stop with a traceback reading this image; empty when it reads.
  public let unreadable: [String]
  /// What qcow2.py reads past but QEMU would not accept (for `info`).
  public let oddities: [String]

  /// Reads the header area of `file`. Fails only when the file is too short for the header
  /// fields or cannot be read; every other state is read as qcow2.py reads it.
  public init(reading file: any ImageSource) throws {
    fileSize = file.size
    let head = try file.readAvailable(at: 0, upTo: UInt64(Header.readLength), what: "the header")
    header = try Header(parsing: head)
    clusterSize = ClusterSize(bits: header[.clusterBits])
    let backingOffset = header[.backingFileOffset]
    let limit = backingOffset == 0 ? clusterSize.limit : min(clusterSize.limit, backingOffset)
    let chain = try ExtensionChain(reading: file, from: header.headerLength, limit: limit)
    extensions = chain.extensions
    unreadable = chain.unreadable
    var oddities = chain.oddities
    var end = chain.end
    if backingOffset == 0 {
      backingFileName = nil
    } else {
      let size = header[.backingFileSize]
      let name = try file.readAvailable(at: backingOffset, upTo: size, what: "the backing file name")
      if UInt64(name.count) < size {
        oddities.append(
          "backing file name (\(size) bytes at offset \(backingOffset)) runs past the end of the file "
            + "(\(fileSize) bytes): \(name.count) bytes read")
      }
      backingFileName = name
      if !name.isEmpty { end = max(end, backingOffset + UInt64(name.count)) }
    }
    self.oddities = oddities
    originalEnd = end
  }

  /// Fails with the first reason qcow2.py could not read the image, if there is one.
  public func checkReadable() throws {
    if let problem = unreadable.first { throw QcowError(problem) }
  }
}

/// The header area as QEMU 7.2 holds it in memory and writes it back with
/// `qcow2_update_header`: the whole first cluster, the header fields, then the extensions in
/// QEMU's own order (backing format, data file, crypto header, its standard feature table,
/// unknown extensions as read), the end marker and the backing file name, zeros to the end of
/// the cluster. `qemu-img create` and every header change QEMU makes (rebase -u, amend)
/// produce exactly this.
public struct QemuHeader: Sendable {
  /// The header fields; backing_file_offset, backing_file_size and header_length are computed.
  public var fields: Header
  /// The cluster size: the area must fit in it.
  public let clusterSize: Int
  /// The backing file name (`image_backing_file`), nil for none.
  public var backingFile: [UInt8]?
  /// The backing format (`image_backing_format`), nil for no extension.
  public var backingFormat: [UInt8]?
  /// The external data file name, written when the image uses one.
  public var dataFile: [UInt8]?
  /// The crypto header extension's data (offset and length), when the image has one.
  public var cryptoHeader: [UInt8]?
  /// Header bytes past the 112 QEMU knows, kept as read.
  public var unknownHeaderFields: [UInt8] = []
  /// Extensions QEMU does not know, kept in file order.
  public var unknownExtensions: [HeaderExtension] = []

  /// A header QEMU would write with these parts.
  public init(fields: Header, clusterSize: Int) {
    self.fields = fields
    self.clusterSize = clusterSize
  }

  /// The feature names QEMU 7.2 writes in its feature name table: type, bit, name.
  public static let featureNames: [(UInt8, UInt8, String)] = [
    (0, 0, "dirty bit"), (0, 1, "corrupt bit"), (0, 2, "external data file"), (0, 3, "compression type"),
    (0, 4, "extended L2 entries"), (1, 0, "lazy refcounts"), (2, 0, "bitmaps"), (2, 1, "raw external data"),
  ]

  /// The size of QEMU's header struct for version 3 (the fields, compression type, padding).
  static let version3StructSize = 112

  /// The first cluster as QEMU writes it; fails, as QEMU does with ENOSPC, when the area does
  /// not fit.
  public func cluster() throws -> [UInt8] {
    let version = fields.version
    let structSize = version == 2 ? Header.version2Length : QemuHeader.version3StructSize
    var area: [UInt8] = version == 2 ? [] : unknownHeaderFields
    var extensions: [HeaderExtension] = []
    if let backingFormat {
      extensions.append(HeaderExtension(magic: ExtensionKind.backingFormat.rawValue, data: backingFormat))
    }
    if let dataFile, fields[.incompatibleFeatures] & 0x4 != 0 {
      extensions.append(HeaderExtension(magic: ExtensionKind.dataFile.rawValue, data: dataFile))
    }
    if let cryptoHeader {
      extensions.append(HeaderExtension(magic: ExtensionKind.cryptoHeader.rawValue, data: cryptoHeader))
    }
    if version >= 3 && clusterSize > 4096 {
      extensions.append(HeaderExtension(magic: ExtensionKind.featureTable.rawValue, data: QemuHeader.featureTable()))
    }
    extensions += unknownExtensions.map { HeaderExtension(magic: $0.magic, data: $0.data) }
    for ext in extensions {
      ext.encode(into: &area)
    }
    area += [UInt8](repeating: 0, count: 8)
    let nameOffset = structSize + area.count
    area += backingFile ?? []
    guard structSize + area.count <= clusterSize else {
      throw QcowError(
        "the header area would take \(structSize + area.count) bytes, more than the first cluster "
          + "(\(clusterSize) bytes): QEMU refuses the change (ENOSPC)")
    }
    var values = fields
    values[.backingFileOffset] = backingFile == nil ? 0 : UInt64(nameOffset)
    values[.backingFileSize] = UInt64(backingFile?.count ?? 0)
    values[.headerLength] = UInt64(QemuHeader.version3StructSize + unknownHeaderFields.count)
    var cluster = [UInt8](repeating: 0, count: clusterSize)
    for field in HeaderField.all where field.offset + field.width <= structSize {
      cluster.storeBigEndian(values[field], width: field.width, at: field.offset)
    }
    cluster.replaceSubrange(structSize..<(structSize + area.count), with: area)
    return cluster
  }

  /// The data of QEMU's standard feature name table extension.
  public static func featureTable() -> [UInt8] {
    var table: [UInt8] = []
    for (type, bit, name) in featureNames {
      table += [type, bit] + Array(name.utf8) + [UInt8](repeating: 0, count: 46 - name.utf8.count)
    }
    return table
  }
}

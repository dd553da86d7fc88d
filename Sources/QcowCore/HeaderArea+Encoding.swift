extension HeaderArea {
  /// Where the parts of the area go if it is written now; fails on an impossible header_length.
  public func layout() throws -> HeaderLayout {
    try HeaderLayout(of: self)
  }

  /// The bytes to write at offset 0 to store this header area, checked to fit the first
  /// cluster. Bytes between the header fields and header_length keep their old values, and
  /// everything past the returned bytes stays as it is on disk.
  public func encoded() throws -> [UInt8] {
    let layout = try layout()
    if extensions.contains(where: { $0.magic == 0 }) {
      throw QcowError("a header extension cannot have magic 0: that is the end-of-extensions marker")
    }
    if let huge = extensions.first(where: { $0.data.count > Int(UInt32.max) }) {
      throw QcowError(
        "header extension \(FieldFormat.hex.render(UInt64(huge.magic))) has \(huge.data.count) bytes, more than a 32-bit length holds"
      )
    }
    guard layout.end <= clusterSize else {
      let names = backingFileName.map { ", backing file name \($0.count)" } ?? ""
      throw QcowError(
        "the header area would take \(layout.end) bytes, more than the first cluster (\(clusterSize) bytes): "
          + "header \(layout.extensionsStart), extensions and end marker "
          + "\(layout.extensionsEnd - layout.extensionsStart)\(names)")
    }
    var bytes = Array(original.prefix(layout.end))
    bytes.append(contentsOf: repeatElement(0, count: layout.end - bytes.count))
    var area: [UInt8] = []
    area.reserveCapacity(layout.end - layout.extensionsStart)
    for ext in extensions {
      ext.encode(into: &area)
    }
    area.append(contentsOf: repeatElement(0, count: 8))
    if let name = backingFileName {
      area.append(contentsOf: name)
    }
    bytes.replaceSubrange(layout.extensionsStart..<layout.end, with: area)
    var fields = header
    if let offset = layout.backingNameOffset {
      fields[.backingFileOffset] = UInt64(offset)
    }
    bytes.replaceSubrange(0..<layout.fieldBytes, with: fields.fieldBytes().prefix(layout.fieldBytes))
    for field in HeaderField.all where !field.inQcow2Py && header.edited.contains(field.index) {
      if field.isPresent(version: header.version, headerLength: header.headerLength) {
        bytes.storeBigEndian(header[field], width: field.width, at: field.offset)
      }
    }
    return bytes
  }

  /// Bytes of the first cluster the header area takes as it would be written now.
  public func usedBytes() throws -> Int {
    try layout().end
  }
}

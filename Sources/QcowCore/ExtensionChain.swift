/// The header extension list walked as qcow2.py walks it: from header_length while the
/// position is below the limit, until the end marker. A Bitmaps extension always takes its
/// 24 decoded bytes; any other takes its length padded to 8, as far as the file goes.
struct ExtensionChain {
  /// The extensions in file order.
  private(set) var extensions: [HeaderExtension] = []
  /// Offset just past the last byte walked (the end marker included).
  private(set) var end: UInt64
  /// Where qcow2.py stops with a traceback; the walk stops there too.
  private(set) var unreadable: [String] = []
  /// What qcow2.py reads past but QEMU would not accept.
  private(set) var oddities: [String] = []

  /// Walks the list in `file` from `start`, stopping at the end marker or `limit`.
  init(reading file: any ImageSource, from start: UInt64, limit: UInt64) throws {
    end = start
    end = try walk(file, from: start, limit: limit)
  }

  /// Reads extensions from `start`; returns the offset just past the last byte walked.
  private mutating func walk(_ file: any ImageSource, from start: UInt64, limit: UInt64) throws -> UInt64 {
    var position = start
    while position < limit {
      guard file.contains(offset: position, count: 8) else {
        unreadable.append(
          "header extension at offset \(position) runs past the end of the file (\(file.size) bytes)")
        return position
      }
      let head = try file.read(at: position, count: 8, what: "header extension at offset \(position)")
      let magic = head.uint32(at: 0) ?? 0
      let length = head.uint32(at: 4) ?? 0
      if magic == 0 {
        return position + 8
      }
      let dataStart = position + 8
      if magic == ExtensionKind.bitmaps.rawValue {
        guard let next = try readBitmaps(file, at: position, length: length) else { return position }
        position = next
        continue
      }
      let padded = UInt64(HeaderExtension.padded(Int(length)))
      let raw = try file.readAvailable(at: dataStart, upTo: padded, what: "header extension at offset \(position)")
      let name = "header extension \(FieldFormat.hex.render(UInt64(magic))) at offset \(position)"
      if UInt64(raw.count) < padded {
        oddities.append("\(name): its \(length) bytes of data run past the end of the file (\(file.size) bytes)")
      } else if dataStart + UInt64(length) > limit {
        oddities.append(
          "\(name): its \(length) bytes of data run past the end of the header area (offset \(limit)): "
            + "QEMU refuses the image")
      }
      let cut = min(Int(length), raw.count)
      extensions.append(
        HeaderExtension(
          magic: magic, length: length, data: Array(raw[..<cut]), padding: Array(raw[cut...]), offset: position))
      position = dataStart + UInt64(raw.count)
    }
    return position
  }

  /// Reads the Bitmaps extension at `position` with its directory; returns the position of
  /// the next extension, or nil where the walk cannot go on.
  private mutating func readBitmaps(_ file: any ImageSource, at position: UInt64, length: UInt32) throws -> UInt64? {
    let dataStart = position + 8
    let size = UInt64(BitmapsExtension.dataSize)
    guard file.contains(offset: dataStart, count: size) else {
      unreadable.append("Bitmaps extension at offset \(position) runs past the end of the file (\(file.size) bytes)")
      return nil
    }
    let data = try file.read(at: dataStart, count: BitmapsExtension.dataSize, what: "Bitmaps extension")
    var bitmaps: BitmapsExtension?
    do {
      bitmaps = try BitmapsExtension(data: data, file: file)
    } catch let error as QcowError {
      unreadable.append("Bitmaps extension at offset \(position): \(error.message)")
    }
    extensions.append(
      HeaderExtension(
        magic: ExtensionKind.bitmaps.rawValue, length: length, data: data, padding: [], offset: position,
        bitmaps: bitmaps))
    return dataStart + size
  }
}

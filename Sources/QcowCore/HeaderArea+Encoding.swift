extension HeaderArea {
  /// Where the parts of the area go if it is written now.
  public func layout() -> HeaderLayout {
    HeaderLayout(of: self)
  }

  /// Offset just past the header area as it would be written now.
  public func usedBytes() -> UInt64 {
    layout().end
  }

  /// The writes that store this area over `file`, the image it was read from, checked
  /// before anything is written. They are qcow2.py's: the extensions, end marker and
  /// backing file name at header_length, then the header fields at offset 0 (the first
  /// header_length - 1 of their 104 bytes). Fails where qcow2.py would fail: an area past
  /// the first cluster as read. Where its write would not read back as this area (it drops
  /// the last header byte, or the extensions overlap the fields), the last byte is written
  /// too; when even that does not read back, fails and names the difference.
  public func encoded(over file: any ImageSource) throws -> FileWrites {
    try checkEncodable()
    let layout = layout()
    guard layout.end <= clusterSize.limit else {
      let name = backingFileName.map { ", backing file name \($0.count)" } ?? ""
      throw QcowError(
        "the header area would take \(layout.end) bytes, more than the first cluster (\(clusterSize.description)): "
          + "header \(layout.extensionsStart), extensions and end marker "
          + "\(layout.extensionsEnd - layout.extensionsStart)\(name)")
    }
    var fields = header
    if let offset = layout.backingNameOffset {
      fields[.backingFileOffset] = offset
    }
    let headerLength = header.headerLength
    let scriptCount = headerLength == 0 ? 103 : headerLength <= 104 ? Int(headerLength) - 1 : 104
    let script = writes(fields, fieldBytes: scriptCount, layout: layout)
    guard let problem = try readBackProblem(script, over: file, fields: fields) else { return script }
    let whole = writes(fields, fieldBytes: headerLength == 0 ? 103 : Int(min(headerLength, 104)), layout: layout)
    if whole != script, try readBackProblem(whole, over: file, fields: fields) == nil {
      return whole
    }
    throw QcowError(explanation(of: problem))
  }

  /// Fails for extensions no file can hold.
  private func checkEncodable() throws {
    if extensions.contains(where: { $0.magic == 0 }) {
      throw QcowError("a header extension cannot have magic 0: that is the end-of-extensions marker")
    }
    if let huge = extensions.first(where: { $0.data.count > Int(UInt32.max) }) {
      throw QcowError(
        "header extension \(FieldFormat.hex.render(UInt64(huge.magic))) has \(huge.data.count) bytes, more than a 32-bit length holds"
      )
    }
  }

  /// The writes in qcow2.py's order: the area at header_length, then `fieldBytes` bytes of
  /// the header fields at 0, then edited fields qcow2.py does not know.
  private func writes(_ fields: Header, fieldBytes: Int, layout: HeaderLayout) -> FileWrites {
    var area: [UInt8] = []
    area.reserveCapacity(Int(layout.end - layout.extensionsStart))
    for ext in extensions {
      ext.encode(into: &area)
    }
    area.append(contentsOf: repeatElement(0, count: 8))
    if let name = backingFileName {
      area.append(contentsOf: name)
    }
    var write = FileWrites()
    write.layer(area, at: layout.extensionsStart)
    write.layer(Array(fields.fieldBytes().prefix(fieldBytes)), at: 0)
    for field in HeaderField.all where !field.inQcow2Py && header.edited.contains(field.index) {
      if field.isPresent(version: header.version, headerLength: header.headerLength) {
        var bytes: [UInt8] = []
        bytes.appendBigEndian(header[field], width: field.width)
        write.layer(bytes, at: UInt64(field.offset))
      }
    }
    return write
  }

  /// What would differ from this area when `write` is read back over `file`, or nil.
  private func readBackProblem(_ write: FileWrites, over file: any ImageSource, fields: Header) throws -> String? {
    let reread: HeaderArea
    do {
      reread = try HeaderArea(reading: OverlaidImage(base: file, write: write))
    } catch let error as QcowError {
      return error.message
    }
    if let problem = reread.unreadable.first { return problem }
    let version = reread.header.version
    let length = reread.header.headerLength
    for field in HeaderField.all where field.isPresent(version: version, headerLength: length) {
      guard field.inQcow2Py || field.isPresent(version: header.version, headerLength: header.headerLength),
        reread.header[field] != fields[field]
      else { continue }
      return "\(field.name) would read back as \(field.format.render(reread.header[field])), "
        + "not \(field.format.render(fields[field]))"
    }
    let same =
      reread.extensions.count == extensions.count
      && zip(reread.extensions, extensions).allSatisfy { $0.hasSameBytes(as: $1) }
    if !same {
      let magics = reread.extensions.map { FieldFormat.hex.render(UInt64($0.magic)) }
      return "the header extensions would read back as [\(magics.joined(separator: ", "))], "
        + "not as the \(extensions.count) written"
    }
    return nil
  }

  /// The refusal message for a write that would not read back, with its likely cause.
  private func explanation(of problem: String) -> String {
    let headerLength = header.headerLength
    if headerLength < UInt64(Header.version2Length) {
      return "header_length \(headerLength) is below 72: only its first \(headerLength) bytes of header fields "
        + "can be written, the extensions go over the rest (\(problem))"
    }
    if !header.isVersion2 && headerLength < UInt64(Header.version3Length) {
      return "header_length \(headerLength) is below 104: only its first \(headerLength) bytes of the version 3 "
        + "header fields can be written, the extensions go over the rest (\(problem))"
    }
    return "the result would not read back as written: \(problem)"
  }
}

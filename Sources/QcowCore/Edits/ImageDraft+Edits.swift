extension ImageDraft {
  /// Applies `edit` to the draft, resolving its locations on the draft as it stands, and
  /// returns the changes it made. Fails, changing nothing, on a location that does not
  /// resolve, a value that does not fit, or bytes past the end of the file.
  public mutating func apply(_ edit: ImageEdit) throws -> [ImageChange] {
    let area = try HeaderArea(reading: self)
    let resolver = LocationResolver(image: self, area: area)
    switch edit {
    case .set(let location, let change):
      let places = try resolver.resolve(location)
      var changes: [ImageChange] = []
      var pending: [(UInt64, [UInt8])] = []
      for place in places {
        let bytes: [UInt8]
        switch change {
        case .value(let expression):
          bytes = try place.storing(value: try resolver.evaluate(expression))
        case .fields(let values):
          bytes = try place.storing(fields: try values.map { ($0.name, try resolver.evaluate($0.value)) })
        }
        pending.append((place.offset, bytes))
        changes.append(
          ImageChange(
            what: place.name, offset: place.offset, placeText: place.place, length: UInt64(bytes.count),
            old: place.describe(place.bytes),
            new: place.describe(bytes), oldJSON: place.json(place.bytes), newJSON: place.json(bytes)))
      }
      for (offset, bytes) in pending {
        try write(bytes, at: offset)
      }
      return changes
    case .poke(let at, let data):
      let offset = try resolver.evaluate(at)
      let bytes: [UInt8]
      switch data {
      case .raw(let raw): bytes = raw
      case .integer(let expression, let width):
        let value = try resolver.evaluate(expression)
        guard width >= 8 || value < 1 << UInt64(width * 8) else {
          throw QcowError("value \(FieldFormat.hex.render(value)) does not fit u\(width * 8)")
        }
        var encoded: [UInt8] = []
        encoded.appendBigEndian(value, width: width)
        bytes = encoded
      }
      let old = try readAvailable(at: offset, upTo: UInt64(bytes.count), what: "poke")
      try write(bytes, at: offset)
      return [
        ImageChange(
          what: "poke", offset: offset, placeText: nil, length: UInt64(bytes.count), old: ImageChange.hexText(old),
          new: ImageChange.hexText(bytes), oldJSON: nil, newJSON: nil)
      ]
    case .fill(let at, let length, let byte):
      let offset = try resolver.evaluate(at)
      let count = try resolver.evaluate(length)
      guard count <= ImageEdit.fillLimit else {
        throw QcowError("a fill of \(count) bytes is more than \(ImageEdit.fillLimit) (256 MiB)")
      }
      try write(Array(repeating: byte, count: Int(count)), at: offset)
      return [
        ImageChange(
          what: "fill", offset: offset, placeText: nil, length: count, old: "",
          new: "\(count) bytes of \(FieldFormat.hex.render(UInt64(byte)))",
          oldJSON: nil, newJSON: nil)
      ]
    case .setBackingFile(let file, let format):
      var header = try QemuHeader(opening: area, file: self)
      let old = header.backingFile
      try header.changeBackingFile(file, format: format)
      try rewriteHeader(header)
      return [headerChange("backing file", old: old, new: header.backingFile, format: header.backingFormat)]
    case .setDataFile(let name):
      var header = try QemuHeader(opening: area, file: self)
      let old = header.dataFile
      try header.changeDataFile(name)
      try rewriteHeader(header)
      return [headerChange("data file", old: old, new: header.dataFile, format: nil)]
    case .truncate(let size):
      let length = try resolver.evaluate(size)
      let old = self.size
      truncate(to: length)
      return [
        ImageChange(
          what: "truncate", offset: old, placeText: nil, length: length, old: String(old), new: String(length),
          oldJSON: .number(old),
          newJSON: .number(length))
      ]
    }
  }

  /// Writes the first cluster as QEMU writes it.
  private mutating func rewriteHeader(_ header: QemuHeader) throws {
    let cluster = try header.cluster()
    if UInt64(cluster.count) > size { truncate(to: UInt64(cluster.count)) }
    try write(cluster, at: 0)
  }

  /// The change record of a QEMU header rewrite.
  private func headerChange(_ what: String, old: [UInt8]?, new: [UInt8]?, format: [UInt8]?) -> ImageChange {
    func text(_ name: [UInt8]?) -> String { name.map { "'\(String(decoding: $0, as: UTF8.self))'" } ?? "none" }
    let formatText = format.map { " (format '\(String(decoding: $0, as: UTF8.self))')" } ?? ""
    return ImageChange(
      what: what, offset: 0, placeText: "the header area rewritten as QEMU writes it", length: 0, old: text(old),
      new: text(new) + formatText, oldJSON: nil, newJSON: nil)
  }
}

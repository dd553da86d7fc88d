/// The text and JSON dumps of qcow2.py's `dump-header` and `dump-header-exts`, byte for byte.
public struct Qcow2PyDump {
  /// The header area to dump.
  public let area: HeaderArea
  /// The file it was read from (bitmap tables are read from it on demand).
  public let file: any ImageSource

  /// A dumper for `area`, read from `file`.
  public init(area: HeaderArea, file: any ImageSource) {
    self.area = area
    self.file = file
  }

  /// `dump-header` output.
  public func header(json: Bool) throws -> String {
    if json {
      let fields = HeaderField.qcow2Py.map { ($0.name, JSONValue.number(area.header[$0])) }
      return JSONValue.object(fields).rendered() + "\n\n" + (try extensions(json: true))
    }
    var out = ""
    for field in HeaderField.qcow2Py {
      out += Qcow2PyDump.line(field.name, field.format.render(area.header[field]))
    }
    return out + "\n" + (try extensions(json: false))
  }

  /// `dump-header-exts` output.
  public func extensions(json: Bool) throws -> String {
    if json {
      return JSONValue.array(try area.extensions.map(extensionJSON)).rendered() + "\n"
    }
    var out = ""
    for ext in area.extensions {
      out += "Header extension:\n"
      out += Qcow2PyDump.line(
        "magic", "\(FieldFormat.hex.render(UInt64(ext.magic))) (\(ExtensionKind.name(of: ext.magic)))")
      out += Qcow2PyDump.line("length", String(ext.length))
      if let bitmaps = ext.bitmaps {
        out += try bitmapsText(bitmaps)
      } else {
        out += Qcow2PyDump.line("data", ext.dataDisplay)
      }
      out += "\n"
    }
    return out
  }

  /// A qcow2.py field line: the name padded to 25 columns, a space, the value.
  static func line(_ name: String, _ value: String) -> String {
    column(name, 25) + " " + value + "\n"
  }

  /// `text` left-aligned in `width` columns, like Python's `{:<width}`.
  private static func column(_ text: String, _ width: Int) -> String {
    text + String(repeating: " ", count: max(0, width - text.count))
  }

  private func bitmapsText(_ bitmaps: BitmapsExtension) throws -> String {
    var out = Qcow2PyDump.line("nb_bitmaps", String(bitmaps.nbBitmaps))
    out += Qcow2PyDump.line("reserved32", String(bitmaps.reserved32))
    out += Qcow2PyDump.line("bitmap_directory_size", FieldFormat.hex.render(bitmaps.directorySize))
    out += Qcow2PyDump.line("bitmap_directory_offset", FieldFormat.hex.render(bitmaps.directoryOffset))
    for entry in bitmaps.directory {
      out += "\n"
      out += Qcow2PyDump.line("Bitmap name", entry.name)
      out += Qcow2PyDump.line("bitmap_table_offset", FieldFormat.hex.render(entry.tableOffset))
      out += Qcow2PyDump.line("bitmap_table_size", String(entry.tableSize))
      let names = entry.flagNames.map { "'\($0)'" }.joined(separator: ", ")
      out += Qcow2PyDump.line("flags", "\(FieldFormat.hex.render(UInt64(entry.flags))) ([\(names)])")
      out += Qcow2PyDump.line("type", String(entry.type))
      out += Qcow2PyDump.line("granularity_bits", String(entry.granularityBits))
      out += Qcow2PyDump.line("name_size", String(entry.nameSize))
      out += Qcow2PyDump.line("extra_data_size", String(entry.extraDataSize))
      out += Qcow2PyDump.tableRow("Bitmap table", "type", "size", "offset")
      let table = try entry.readTable(from: file)
      let clusterSize = table.contains { $0.type == "serialized" } ? try clusterSizeText() : ""
      for (index, item) in table.enumerated() {
        let size = item.type == "serialized" ? clusterSize : "0"
        out += Qcow2PyDump.tableRow(String(index), item.type, size, String(item.offset))
      }
    }
    return out
  }

  /// The cluster size in decimal, for the size column of serialized bitmap clusters.
  private func clusterSizeText() throws -> String {
    guard let size = area.clusterSize.decimal else {
      throw QcowError(
        "cluster size 2^\(area.clusterSize.bits) has more than \(ClusterSize.pythonDigitLimit) digits: qcow2.py cannot print it"
      )
    }
    return size
  }

  private static func tableRow(_ index: String, _ type: String, _ size: String, _ offset: String) -> String {
    column(index, 14) + " " + column(type, 15) + " " + column(size, 12) + " " + offset + "\n"
  }

  private func extensionJSON(_ ext: HeaderExtension) throws -> JSONValue {
    var members: [(String, JSONValue)] = [
      ("name", .string(ExtensionKind.name(of: ext.magic))),
      ("magic", .number(UInt64(ext.magic))),
      ("length", .number(UInt64(ext.length))),
    ]
    if let bitmaps = ext.bitmaps {
      members.append(("data", try bitmapsJSON(bitmaps)))
    } else {
      members.append(("data_str", .string(ext.dataDisplay)))
    }
    return .object(members)
  }

  private func bitmapsJSON(_ bitmaps: BitmapsExtension) throws -> JSONValue {
    let directory = try bitmaps.directory.map { entry -> JSONValue in
      let table = try entry.readTable(from: file).map { item in
        JSONValue.object([
          ("type", .string(item.type)), ("offset", .number(item.offset)), ("reserved", .number(item.reserved)),
        ])
      }
      return .object([
        ("name", .string(entry.name)),
        ("bitmap_table_offset", .number(entry.tableOffset)),
        ("bitmap_table_size", .number(UInt64(entry.tableSize))),
        ("flags", .number(UInt64(entry.flags))),
        ("type", .number(UInt64(entry.type))),
        ("granularity_bits", .number(UInt64(entry.granularityBits))),
        ("name_size", .number(UInt64(entry.nameSize))),
        ("extra_data_size", .number(UInt64(entry.extraDataSize))),
        ("bitmap_table", .array(table)),
      ])
    }
    return .object([
      ("nb_bitmaps", .number(UInt64(bitmaps.nbBitmaps))),
      ("reserved32", .number(UInt64(bitmaps.reserved32))),
      ("bitmap_directory_size", .number(bitmaps.directorySize)),
      ("bitmap_directory_offset", .number(bitmaps.directoryOffset)),
      ("bitmap_directory", .array(directory)),
    ])
  }
}

extension ImageReport {
  /// The report as one JSON document (schema documented in README.md).
  public func json() -> JSONValue {
    let header = area.header
    let fields = HeaderField.all.map { field -> (String, JSONValue) in
      let present = field.isPresent(version: header.version, headerLength: header.headerLength)
      return (field.name, present ? .number(header[field]) : .null)
    }
    let features = FeatureGroup.allCases.map { group -> (String, JSONValue) in
      let bits = featureBits(group).map { bit in
        JSONValue.object([
          ("bit", .number(UInt64(bit.bit))), ("name", bit.name.map(JSONValue.string) ?? .null),
          ("known", .bool(bit.known)),
        ])
      }
      return (group.rawValue, .array(bits))
    }
    let summary: [(String, JSONValue)] = [
      ("version", .number(header.version)),
      ("compat", header.version == 2 ? .string("0.10") : header.version == 3 ? .string("1.1") : .null),
      ("cluster_size", area.clusterSize.bytes.map(JSONValue.number) ?? .null),
      ("virtual_size", .number(header[.size])),
      ("refcount_bits", refcountBits.map(JSONValue.number) ?? .null),
      ("compression_type", .string(compression)),
      ("encryption", .string(encryption)),
      ("lazy_refcounts", .bool(isSet(.compatible, 0))),
      ("corrupt", .bool(isSet(.incompatible, 1))),
      ("dirty", .bool(isSet(.incompatible, 0))),
      ("extended_l2", .bool(isSet(.incompatible, 4))),
      ("data_file", text(of: .dataFile).map(JSONValue.string) ?? .null),
      ("data_file_raw", .bool(isSet(.autoclear, 1))),
      ("backing_file", backingFile.map(JSONValue.string) ?? .null),
      ("backing_format", text(of: .backingFormat).map(JSONValue.string) ?? .null),
      ("snapshots", .number(header[.nbSnapshots])),
    ]
    return .object([
      ("schema", .number(ImageReport.schemaVersion)),
      ("file_size", .number(area.fileSize)),
      ("header", .object(fields)),
      ("summary", .object(summary)),
      ("features", .object(features)),
      ("extensions", .array(area.extensions.map(extensionJSON))),
      (
        "header_area",
        .object([
          ("used", .number(usedBytes)), ("cluster_size", area.clusterSize.bytes.map(JSONValue.number) ?? .null),
          ("free", .number(area.clusterSize.limit - min(usedBytes, area.clusterSize.limit))),
        ])
      ),
      ("warnings", .array(warnings.map(JSONValue.string))),
    ])
  }

  private func extensionJSON(_ ext: HeaderExtension) -> JSONValue {
    var members: [(String, JSONValue)] = [
      ("magic", .number(UInt64(ext.magic))),
      ("name", .string(ExtensionKind.name(of: ext.magic))),
      ("offset", ext.offset.map(JSONValue.number) ?? .null),
      ("length", .number(UInt64(ext.length))),
    ]
    switch ext.kind {
    case .backingFormat: members.append(("backing_format", .string(String(decoding: ext.data, as: UTF8.self))))
    case .dataFile: members.append(("data_file", .string(String(decoding: ext.data, as: UTF8.self))))
    case .cryptoHeader:
      if let offset = ext.data.uint64(at: 0), let length = ext.data.uint64(at: 8) {
        members.append(("crypto_header", .object([("offset", .number(offset)), ("length", .number(length))])))
      }
    case .featureTable:
      let entries = FeatureTableEntry.decode(ext.data).map { entry in
        JSONValue.object([
          (
            "type",
            .string(FeatureGroup.allCases.first { $0.tableType == entry.type }?.rawValue ?? "type \(entry.type)")
          ),
          ("bit", .number(UInt64(entry.bit))), ("name", .string(entry.name)),
        ])
      }
      members.append(("features", .array(entries)))
    case .bitmaps:
      if let bitmaps = ext.bitmaps { members.append(("bitmaps", bitmapsJSON(bitmaps))) }
    case nil: break
    }
    if ext.kind == nil || (ext.kind == .bitmaps && ext.bitmaps == nil) {
      members.append(
        (
          "data_hex",
          .string(
            ext.data.map { byte in
              let hex = String(byte, radix: 16)
              return hex.count == 1 ? "0" + hex : hex
            }.joined())
        ))
    }
    return .object(members)
  }

  private func bitmapsJSON(_ bitmaps: BitmapsExtension) -> JSONValue {
    .object([
      ("nb_bitmaps", .number(UInt64(bitmaps.nbBitmaps))),
      ("reserved32", .number(UInt64(bitmaps.reserved32))),
      ("directory_size", .number(bitmaps.directorySize)),
      ("directory_offset", .number(bitmaps.directoryOffset)),
      (
        "directory",
        .array(
          bitmaps.directory.map { entry in
            .object([
              ("name", .string(entry.name)),
              ("table_offset", .number(entry.tableOffset)),
              ("table_size", .number(UInt64(entry.tableSize))),
              ("flags", .array(entry.flagNames.map(JSONValue.string))),
              ("type", .number(UInt64(entry.type))),
              ("granularity_bits", .number(UInt64(entry.granularityBits))),
              ("granularity", entry.granularityBits < 64 ? .number(1 << UInt64(entry.granularityBits)) : .null),
              ("extra_data_size", .number(UInt64(entry.extraDataSize))),
            ])
          })
      ),
    ])
  }
}

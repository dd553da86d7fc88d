extension ImageReport {
  /// The report as text for people.
  public func text() -> String {
    let header = area.header
    var out = "file size                 \(area.fileSize) bytes\n"
    out += "header area               \(usedBytes) of \(area.clusterSize.description) used\n"
    out += "\nHeader fields:\n"
    for field in HeaderField.all {
      let present = field.isPresent(version: header.version, headerLength: header.headerLength)
      out += "  " + Qcow2PyDump.line(field.name, present ? field.format.render(header[field]) : "(absent)")
    }
    out += "\nFeature bits:\n"
    for group in FeatureGroup.allCases {
      let bits = featureBits(group).map { bit in
        "\(bit.bit) \(bit.name ?? "(unnamed)")" + (bit.known ? "" : " [unknown to QEMU]")
      }
      out += "  " + Qcow2PyDump.line(group.rawValue, bits.isEmpty ? "none" : bits.joined(separator: ", "))
    }
    out += "\nHeader extensions:\n"
    if area.extensions.isEmpty { out += "  none\n" }
    for ext in area.extensions {
      let place = ext.offset.map { " at offset \($0)" } ?? ""
      out +=
        "  \(FieldFormat.hex.render(UInt64(ext.magic))) \(ExtensionKind.name(of: ext.magic))\(place), \(ext.length) bytes\(ext.isTruncated ? " (\(ext.data.count) in the file)" : "")\n"
      out += extensionDetails(ext).map { "    \($0)\n" }.joined()
    }
    if let name = area.backingFileName {
      out +=
        "\nBacking file              \(ImageReport.visible(name)) (offset \(header[.backingFileOffset]), \(header[.backingFileSize]) bytes)\n"
    }
    out += "\nWarnings:\n"
    out += warnings.isEmpty ? "  none\n" : warnings.map { "  - \($0)\n" }.joined()
    return out
  }

  private func extensionDetails(_ ext: HeaderExtension) -> [String] {
    switch ext.kind {
    case .backingFormat: return ["format: \(ImageReport.visible(ext.data))"]
    case .dataFile: return ["data file: \(ImageReport.visible(ext.data))"]
    case .cryptoHeader:
      guard let offset = ext.data.uint64(at: 0), let length = ext.data.uint64(at: 8) else { return [] }
      return ["LUKS header at offset \(FieldFormat.hex.render(offset)), \(length) bytes"]
    case .featureTable:
      return FeatureTableEntry.decode(ext.data).map { entry in
        let group = FeatureGroup.allCases.first { $0.tableType == entry.type }?.rawValue ?? "type \(entry.type)"
        return "\(group) \(entry.bit): \(entry.name)"
      }
    case .bitmaps:
      guard let bitmaps = ext.bitmaps else { return ["data: \(ext.dataDisplay)"] }
      return [
        "\(bitmaps.nbBitmaps) bitmaps, directory at \(FieldFormat.hex.render(bitmaps.directoryOffset)), \(bitmaps.directorySize) bytes"
      ]
        + bitmaps.directory.map { entry in
          let flags = entry.flagNames.isEmpty ? "" : " [\(entry.flagNames.joined(separator: ", "))]"
          return
            "bitmap '\(entry.name)': granularity 2^\(entry.granularityBits), table at \(FieldFormat.hex.render(entry.tableOffset)) (\(entry.tableSize) entries)\(flags)"
        }
    case nil: return ["data: \(ext.dataDisplay)"]
    }
  }

  /// `bytes` as text when they are printable ASCII, else quoted with `\xNN` for the others, so
  /// broken names never put control characters on a terminal.
  static func visible(_ bytes: [UInt8]) -> String {
    if !bytes.isEmpty && bytes.allSatisfy({ (0x20...0x7e).contains($0) }) {
      return String(decoding: bytes, as: UTF8.self)
    }
    let escaped = bytes.map { byte -> String in
      switch byte {
      case 0x22: return "\\\""
      case 0x5c: return "\\\\"
      case 0x20...0x7e: return String(UnicodeScalar(byte))
      default:
        let hex = String(byte, radix: 16)
        return "\\x" + (hex.count == 1 ? "0" + hex : hex)
      }
    }
    return "\"" + escaped.joined() + "\""
  }
}

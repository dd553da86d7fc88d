extension HeaderArea {
  /// Sets (or, with nil, removes) the name of `bit` of `group` in the feature name table: an
  /// existing entry is replaced in place, a new one appended; a missing table is added after
  /// the other extensions.
  mutating func changeFeatureName(_ group: FeatureGroup, _ bit: Int, to name: String?) throws {
    guard (0..<64).contains(bit) else { throw QcowError("bit \(bit) is not in range [0, 64)") }
    let nameBytes = Array((name ?? "").utf8)
    guard nameBytes.count <= FeatureTableEntry.size - 2 else {
      throw QcowError("a feature name holds at most 46 bytes, '\(name ?? "")' has \(nameBytes.count)")
    }
    let magic = ExtensionKind.featureTable.rawValue
    let index = extensions.firstIndex { $0.magic == magic }
    var data = index.map { extensions[$0].data } ?? []
    let entry = stride(from: 0, to: data.count - FeatureTableEntry.size + 1, by: FeatureTableEntry.size).first {
      data[$0] == group.tableType && data[$0 + 1] == UInt8(bit)
    }
    if name == nil {
      guard let entry else {
        throw QcowError("the feature name table has no name for \(group.rawValue) bit \(bit)")
      }
      data.removeSubrange(entry..<(entry + FeatureTableEntry.size))
    } else {
      let padding = [UInt8](repeating: 0, count: FeatureTableEntry.size - 2 - nameBytes.count)
      let encoded = [group.tableType, UInt8(bit)] + nameBytes + padding
      if let entry {
        data.replaceSubrange(entry..<(entry + FeatureTableEntry.size), with: encoded)
      } else {
        data += encoded
      }
    }
    let table = HeaderExtension(magic: magic, data: data)
    if let index { extensions[index] = table } else { extensions.append(table) }
  }
}

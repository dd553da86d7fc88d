/// One of the three feature bitmaps of a version 3 header.
public enum FeatureGroup: String, CaseIterable, Sendable {
  case incompatible
  case compatible
  case autoclear

  /// The header field holding the group's bits.
  public var field: HeaderField {
    switch self {
    case .incompatible: return .incompatibleFeatures
    case .compatible: return .compatibleFeatures
    case .autoclear: return .autoclearFeatures
    }
  }

  /// The group number used in the feature name table.
  public var tableType: UInt8 {
    switch self {
    case .incompatible: return 0
    case .compatible: return 1
    case .autoclear: return 2
    }
  }

  /// The bits QEMU 7.2 knows in this group.
  public var knownMask: UInt64 {
    switch self {
    case .incompatible: return 0x1f
    case .compatible: return 0x1
    case .autoclear: return 0x3
    }
  }

  /// The names QEMU 7.2's feature table gives, for images without a table of their own.
  public var knownNames: [Int: String] {
    switch self {
    case .incompatible:
      return [
        0: "dirty bit", 1: "corrupt bit", 2: "external data file", 3: "compression type",
        4: "extended L2 entries",
      ]
    case .compatible: return [0: "lazy refcounts"]
    case .autoclear: return [0: "bitmaps", 1: "raw external data"]
    }
  }
}

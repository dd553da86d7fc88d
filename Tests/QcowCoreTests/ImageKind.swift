import Testing

/// An image `qemu-img create` (QEMU 7.2) makes, with the layout of its header area.
enum ImageKind: String, CaseIterable, Sendable, CustomTestStringConvertible {
  case v3 = "v3 64k"
  case cluster4k = "v3 4k"
  case cluster512 = "v3 512"
  case v2 = "v2 64k"
  case zstd = "v3 zstd"
  case lazy = "v3 lazy refcounts"
  case backing = "v3 backing"
  case backing512 = "v3 512 backing"
  case backingV2 = "v2 backing"
  case dataFile = "v3 data file"
  case bitmaps = "v3 4k bitmap"

  var testDescription: String { rawValue }

  /// The feature table, Backing format, Data file and Bitmaps magics.
  static let featureTable: UInt32 = 0x6803_f857
  static let backingFormat: UInt32 = 0xe279_2aca
  static let dataFileMagic: UInt32 = 0x4441_5441
  static let bitmapsMagic: UInt32 = 0x2385_2875

  /// The `qemu-img create` options, before the image name.
  var createOptions: [String] {
    switch self {
    case .v3: return []
    case .cluster4k, .bitmaps: return ["-o", "cluster_size=4096"]
    case .cluster512: return ["-o", "cluster_size=512"]
    case .v2: return ["-o", "compat=0.10"]
    case .zstd: return ["-o", "compression_type=zstd"]
    case .lazy: return ["-o", "lazy_refcounts=on"]
    case .backing: return ["-b", "base.qcow2", "-F", "qcow2"]
    case .backing512: return ["-o", "cluster_size=512", "-b", "base.qcow2", "-F", "qcow2"]
    case .backingV2: return ["-o", "compat=0.10", "-b", "base.qcow2", "-F", "qcow2"]
    case .dataFile: return ["-o", "data_file=data.raw"]
    }
  }

  /// Whether the image needs `base.qcow2` beside it.
  var hasBacking: Bool { [.backing, .backing512, .backingV2].contains(self) }

  /// The header version.
  var version: UInt64 { [.v2, .backingV2].contains(self) ? 2 : 3 }

  /// The cluster size.
  var clusterSize: Int {
    switch self {
    case .cluster4k, .bitmaps: return 4096
    case .cluster512, .backing512: return 512
    default: return 65536
    }
  }

  /// The extension magics in file order.
  var extensionMagics: [UInt32] {
    switch self {
    case .v3, .zstd, .lazy: return [ImageKind.featureTable]
    case .cluster4k, .cluster512, .v2: return []
    case .backing: return [ImageKind.backingFormat, ImageKind.featureTable]
    case .backing512, .backingV2: return [ImageKind.backingFormat]
    case .dataFile: return [ImageKind.dataFileMagic, ImageKind.featureTable]
    case .bitmaps: return [ImageKind.bitmapsMagic]
    }
  }

  /// Where each extension starts.
  var extensionOffsets: [Int] {
    switch self {
    case .v3, .zstd, .lazy, .backing512, .bitmaps: return [112]
    case .cluster4k, .cluster512, .v2: return []
    case .backing, .dataFile: return [112, 128]
    case .backingV2: return [72]
    }
  }

  /// Where the backing file name is, when there is one.
  var backingNameOffset: Int? {
    switch self {
    case .backing: return 528
    case .backing512: return 136
    case .backingV2: return 96
    default: return nil
    }
  }

  /// The offset just past the header area (extensions, end marker, backing name).
  var areaEnd: Int {
    switch self {
    case .v3, .zstd, .lazy: return 512
    case .cluster4k, .cluster512: return 120
    case .v2: return 80
    case .backing: return 538
    case .backing512: return 146
    case .backingV2: return 106
    case .dataFile: return 528
    case .bitmaps: return 152
    }
  }
}

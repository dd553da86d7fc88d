/// Everything `qcow-batch info` shows about an image's header area.
public struct ImageReport {
  /// The version of the JSON schema; bumped on any incompatible change.
  public static let schemaVersion: UInt64 = 1

  /// The header area reported on.
  public let area: HeaderArea
  /// Bytes of the first cluster the header area takes, as read.
  public let usedBytes: UInt64
  /// Problems QEMU would refuse, repair or warn about.
  public let warnings: [String]

  /// A report on `area`, read from `file`.
  public init(area: HeaderArea, file: any ImageSource) throws {
    self.area = area
    usedBytes = area.originalEnd
    warnings = HeaderWarnings.check(area)
  }

  /// A set feature bit with its name.
  public struct FeatureBit {
    /// The bit number.
    public let bit: Int
    /// The name from the image's feature table, else QEMU's, else nil.
    public let name: String?
    /// Whether QEMU 7.2 knows the bit.
    public let known: Bool
  }

  /// The set bits of `group`, named.
  public func featureBits(_ group: FeatureGroup) -> [FeatureBit] {
    FieldFormat.setBits(of: area.header[group.field]).map { bit in
      FeatureBit(
        bit: bit, name: area.featureName(group, bit: bit),
        known: group.knownMask & (1 << UInt64(bit)) != 0)
    }
  }

  /// Whether `bit` of `group` is set.
  func isSet(_ group: FeatureGroup, _ bit: Int) -> Bool {
    area.header[group.field] & (1 << UInt64(bit)) != 0
  }

  /// The compression algorithm's name.
  public var compression: String {
    switch area.header[.compressionType] {
    case 0: return "zlib"
    case 1: return "zstd"
    case let other: return "unknown (\(other))"
    }
  }

  /// The encryption method's name.
  public var encryption: String {
    switch area.header[.cryptMethod] {
    case 0: return "none"
    case 1: return "aes"
    case 2: return "luks"
    case let other: return "unknown (\(other))"
    }
  }

  /// The data of the first extension of `kind`, as text.
  func text(of kind: ExtensionKind) -> String? {
    area.extensions.first { $0.kind == kind }.map { String(decoding: $0.data, as: UTF8.self) }
  }

  /// The backing file name, as text.
  public var backingFile: String? {
    area.backingFileName.map { String(decoding: $0, as: UTF8.self) }
  }

  /// The refcount width in bits, when refcount_order is sane.
  public var refcountBits: UInt64? {
    let order = area.header[.refcountOrder]
    return order < 64 ? 1 << order : nil
  }
}

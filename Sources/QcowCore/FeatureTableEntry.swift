/// One entry of the feature name table extension.
public struct FeatureTableEntry: Sendable, Equatable {
  /// Size of one entry on disk.
  public static let size = 48

  /// The feature group: 0 incompatible, 1 compatible, 2 autoclear.
  public let type: UInt8
  /// The bit number within the group.
  public let bit: UInt8
  /// The feature's name (up to 46 bytes, NUL padding removed).
  public let name: String

  /// Decodes the entries of a feature table extension's data (a trailing partial entry is ignored).
  public static func decode(_ data: [UInt8]) -> [FeatureTableEntry] {
    stride(from: 0, to: data.count - size + 1, by: size).compactMap { start in
      guard let type = data.uint8(at: start), let bit = data.uint8(at: start + 1),
        let raw = data.bytes(at: start + 2, length: size - 2)
      else { return nil }
      let name = raw.prefix { $0 != 0 }
      return FeatureTableEntry(type: type, bit: bit, name: String(decoding: name, as: UTF8.self))
    }
  }
}

/// One change to a header area.
public enum HeaderEdit: Sendable, Equatable {
  /// Set a header field to a value.
  case setField(HeaderField, UInt64)
  /// Set one bit of a feature group.
  case setFeatureBit(FeatureGroup, Int)
  /// Clear one bit of a feature group.
  case clearFeatureBit(FeatureGroup, Int)
  /// Append a header extension.
  case addExtension(magic: UInt32, data: [UInt8])
  /// Remove every header extension with this magic.
  case deleteExtensions(magic: UInt32)
  /// Name a feature bit in the feature name table (creating the table when there is none).
  case setFeatureName(FeatureGroup, Int, String)
  /// Remove a feature bit's name from the feature name table.
  case deleteFeatureName(FeatureGroup, Int)
}

extension HeaderEdit {
  /// The header field the edit changes, if it changes one.
  public var field: HeaderField? {
    switch self {
    case .setField(let field, _): return field
    case .setFeatureBit(let group, _), .clearFeatureBit(let group, _): return group.field
    case .addExtension, .deleteExtensions, .setFeatureName, .deleteFeatureName: return nil
    }
  }
}

extension HeaderArea {
  /// Applies `edit` in memory and returns how many things it changed (for a deletion, the
  /// number of extensions removed). Fails when a value does not fit its field.
  @discardableResult
  public mutating func apply(_ edit: HeaderEdit) throws -> Int {
    switch edit {
    case .setField(let field, let value):
      guard value <= field.maximum else {
        throw QcowError(
          "value \(value) does not fit header field '\(field.name)' (\(field.width * 8) bits)")
      }
      header[field] = value
      return 1
    case .setFeatureBit(let group, let bit), .clearFeatureBit(let group, let bit):
      guard (0..<64).contains(bit) else {
        throw QcowError("bit \(bit) is not in range [0, 64)")
      }
      let mask: UInt64 = 1 << UInt64(bit)
      if case .setFeatureBit = edit {
        header[group.field] |= mask
      } else {
        header[group.field] &= ~mask
      }
      return 1
    case .addExtension(let magic, let data):
      guard magic != 0 else {
        throw QcowError("a header extension cannot have magic 0: that is the end-of-extensions marker")
      }
      extensions.append(HeaderExtension(magic: magic, data: data))
      return 1
    case .deleteExtensions(let magic):
      let before = extensions.count
      extensions.removeAll { $0.magic == magic }
      return before - extensions.count
    case .setFeatureName(let group, let bit, let name):
      try changeFeatureName(group, bit, to: name)
      return 1
    case .deleteFeatureName(let group, let bit):
      try changeFeatureName(group, bit, to: nil)
      return 1
    }
  }

  /// Computes and checks the writes that store the area, then makes them, in order.
  public func write(to file: ImageFile) throws {
    try encoded(over: file).write(to: file.descriptor)
  }
}

/// The edit operations of a manifest, named as qcow2.py's commands are.
enum EditOperation: String, CaseIterable, Sendable {
  case setHeader = "set-header"
  case setFeatureBit = "set-feature-bit"
  case clearFeatureBit = "clear-feature-bit"
  case addHeaderExt = "add-header-ext"
  case delHeaderExt = "del-header-ext"

  /// Every operation name.
  static let names = allCases.map(\.rawValue)

  /// The operands of the one-line form: the name its usage message gives and the key of the
  /// mapping form each stands for. The last operand of `add-header-ext` may be left out.
  var operands: [(usage: String, key: String)] {
    switch self {
    case .setHeader: return [("NAME", "field"), ("VALUE", "value")]
    case .setFeatureBit, .clearFeatureBit: return [("GROUP", "group"), ("BIT", "bit")]
    case .addHeaderExt: return [("MAGIC", "magic"), ("DATA", "data")]
    case .delHeaderExt: return [("MAGIC", "magic")]
    }
  }

  /// The keys of the mapping form.
  var mapping: ManifestMapping {
    let magic = ManifestKey("magic", required: true, .magic, "The extension type.")
    switch self {
    case .setHeader:
      return ManifestMapping([
        ManifestKey("field", required: true, .fieldName, "The header field, as qcow2 dump-header names it."),
        ManifestKey("value", required: true, .fieldValue, "The new value; it must fit the field."),
      ])
    case .setFeatureBit, .clearFeatureBit:
      return ManifestMapping([
        ManifestKey("group", required: true, .group, "The feature bitmap."),
        ManifestKey("bit", required: true, .bit, "The bit number, 0 to 63."),
      ])
    case .addHeaderExt:
      return ManifestMapping(
        [
          magic,
          ManifestKey("data", .text, "The data as text (UTF-8)."),
          ManifestKey("hex", .hex, "The data as hex digits, two per byte; spaces are ignored."),
          ManifestKey("file", .path, "The data from a file, relative to the manifest's directory."),
        ], exclusive: ["data", "hex", "file"])
    case .delHeaderExt:
      return ManifestMapping([magic])
    }
  }

  /// What the operation does, one sentence.
  var summary: String {
    switch self {
    case .setHeader: return "Set a header field."
    case .setFeatureBit: return "Set a bit of a feature bitmap."
    case .clearFeatureBit: return "Clear a bit of a feature bitmap."
    case .addHeaderExt:
      return "Add a header extension, its data from 'data', 'hex' or 'file' (empty without any)."
    case .delHeaderExt: return "Remove every header extension with the magic; an error when there is none."
    }
  }
}

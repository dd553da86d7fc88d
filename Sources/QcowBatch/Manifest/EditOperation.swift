/// The edit operations of a manifest, named as qcow2.py's commands are.
enum EditOperation: String, CaseIterable, Sendable {
  case setHeader = "set-header"
  case setFeatureBit = "set-feature-bit"
  case clearFeatureBit = "clear-feature-bit"
  case addHeaderExt = "add-header-ext"
  case delHeaderExt = "del-header-ext"
  case set
  case poke
  case fill
  case truncate

  /// Every operation name.
  static let names = allCases.map(\.rawValue)

  /// Whether the operation edits the header area and has qcow2.py's one-line form; the others
  /// edit the image's other bytes and are written only as mappings.
  var isHeaderEdit: Bool {
    switch self {
    case .setHeader, .setFeatureBit, .clearFeatureBit, .addHeaderExt, .delHeaderExt: return true
    case .set, .poke, .fill, .truncate: return false
    }
  }

  /// The operands of the one-line form: the name its usage message gives and the key of the
  /// mapping form each stands for. The last operand of `add-header-ext` may be left out.
  var operands: [(usage: String, key: String)] {
    switch self {
    case .setHeader: return [("NAME", "field"), ("VALUE", "value")]
    case .setFeatureBit, .clearFeatureBit: return [("GROUP", "group"), ("BIT", "bit")]
    case .addHeaderExt: return [("MAGIC", "magic"), ("DATA", "data")]
    case .delHeaderExt: return [("MAGIC", "magic")]
    case .set, .poke, .fill, .truncate: return []
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
    case .set:
      let fields = ImageEditFields.all.map { name, summary in ManifestKey(name, .expression, summary) }
      return ManifestMapping(
        [
          ManifestKey("at", required: true, .location, "The entry: l1[N], l2[vaddr=V], refcount[cluster=N], ..."),
          ManifestKey("value", .expression, "The whole raw value (an entry's first 8 bytes); excludes the fields."),
        ] + fields)
    case .poke:
      let integers = [1, 2, 4, 8].map { width in
        ManifestKey("u\(width * 8)", .expression, "A \(width * 8)-bit big-endian integer to write.")
      }
      return ManifestMapping(
        [
          ManifestKey("at", required: true, .expression, "The host offset."),
          ManifestKey("hex", .hex, "The bytes to write, as hex digits."),
        ] + integers, exclusive: ["hex", "u8", "u16", "u32", "u64"])
    case .fill:
      return ManifestMapping([
        ManifestKey("at", required: true, .expression, "The host offset."),
        ManifestKey("length", required: true, .expression, "How many bytes."),
        ManifestKey("byte", required: true, .byte, "The byte, 0 to 255."),
      ])
    case .truncate:
      return ManifestMapping([ManifestKey("size", required: true, .expression, "The new file length.")])
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
    case .set: return "Set a metadata table entry, whole ('value') or by fields; other bits are kept."
    case .poke: return "Write raw bytes, or a big-endian integer, at a host offset."
    case .fill: return "Write 'length' copies of a byte at a host offset."
    case .truncate: return "Cut or grow the file (grown bytes are a hole)."
    }
  }
}

/// The entry fields a `set` may name, across every entry kind.
enum ImageEditFields {
  /// Each field's name and what it is.
  static let all: [(String, String)] = [
    ("offset", "L1, L2 and refcount table entries: the offset bits."),
    ("copied", "L1 and L2 entries: the COPIED flag (bit 63), 0 or 1."),
    ("compressed", "L2 entries: the compressed flag (bit 62), 0 or 1."),
    ("zero", "Standard L2 entries: the all-zeroes flag (bit 0), 0 or 1."),
    ("host_offset", "Compressed L2 entries: the host offset of the compressed data."),
    ("sectors", "Compressed L2 entries: the stored count of additional 512-byte sectors."),
    ("alloc_bitmap", "Extended L2 entries: the subcluster allocation bitmap."),
    ("zero_bitmap", "Extended L2 entries: the subcluster zero bitmap."),
  ]
}

/// The edit operations of a manifest, named as qcow2.py's commands are.
enum EditOperation: String, CaseIterable, Sendable {
  case setHeader = "set-header"
  case setFeatureBit = "set-feature-bit"
  case clearFeatureBit = "clear-feature-bit"
  case addHeaderExt = "add-header-ext"
  case delHeaderExt = "del-header-ext"
  case setBackingFile = "set-backing-file"
  case setDataFile = "set-data-file"
  case setFeatureName = "set-feature-name"
  case delFeatureName = "del-feature-name"
  case set
  case poke
  case fill
  case truncate

  /// Every operation name.
  static let names = allCases.map(\.rawValue)

  /// Whether the operation is one of qcow2.py's, with its one-line form; the others are
  /// written only as mappings.
  var hasOneLineForm: Bool {
    switch self {
    case .setHeader, .setFeatureBit, .clearFeatureBit, .addHeaderExt, .delHeaderExt: return true
    default: return false
    }
  }

  /// Whether the mapping may also be null (`set-backing-file: null` removes the backing file).
  var acceptsNull: Bool { self == .setBackingFile }

  /// The operands of the one-line form: the name its usage message gives and the key of the
  /// mapping form each stands for. The last operand of `add-header-ext` may be left out.
  var operands: [(usage: String, key: String)] {
    switch self {
    case .setHeader: return [("NAME", "field"), ("VALUE", "value")]
    case .setFeatureBit, .clearFeatureBit: return [("GROUP", "group"), ("BIT", "bit")]
    case .addHeaderExt: return [("MAGIC", "magic"), ("DATA", "data")]
    case .delHeaderExt: return [("MAGIC", "magic")]
    default: return []
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
    case .setBackingFile:
      return ManifestMapping([
        ManifestKey("file", required: true, .text, "The backing file name, stored as given (1 to 1023 bytes)."),
        ManifestKey("format", .text, "The backing format (qcow2, raw, ...); without it no backing format extension."),
      ])
    case .setDataFile:
      return ManifestMapping([ManifestKey("file", required: true, .text, "The external data file name.")])
    case .setFeatureName, .delFeatureName:
      let keys = [
        ManifestKey("group", required: true, .group, "The feature bitmap."),
        ManifestKey("bit", required: true, .bit, "The bit number, 0 to 63."),
      ]
      return ManifestMapping(
        self == .delFeatureName
          ? keys : keys + [ManifestKey("name", required: true, .text, "The name, at most 46 bytes.")])
    case .set:
      let fields = ImageEditFields.all.map { name, summary in ManifestKey(name, .entryField, summary) }
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
    case .setBackingFile:
      return
        "Point at a backing file as 'qemu-img rebase -u' does, rewriting the header area as QEMU does; null removes it."
    case .setDataFile: return "Name the external data file as 'qemu-img amend -o data_file=' does."
    case .setFeatureName: return "Name a feature bit in the feature name table (added when missing)."
    case .delFeatureName: return "Remove a feature bit's name from the feature name table."
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

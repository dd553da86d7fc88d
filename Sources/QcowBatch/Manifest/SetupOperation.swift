/// The steps of an image entry's `setup:` list, each what one qemu-io or qemu-img process does.
enum SetupOperation: String, CaseIterable, Sendable {
  case write
  case writeZeroes = "write-zeroes"
  case discard
  case writeCompressed = "write-compressed"
  case snapshot

  /// Every step name.
  static let names = allCases.map(\.rawValue)

  /// The keys of the step's mapping.
  var mapping: ManifestMapping {
    let offset = ManifestKey("offset", required: true, .size, "The guest offset (size suffixes allowed: 64k, 1M).")
    let length = ManifestKey("length", required: true, .size, "The number of guest bytes.")
    switch self {
    case .write, .writeCompressed:
      return ManifestMapping([
        offset, length, ManifestKey("pattern", .byte, "The byte written (default 0xcd, as qemu-io writes)."),
      ])
    case .writeZeroes, .discard:
      return ManifestMapping([offset, length])
    case .snapshot:
      return ManifestMapping([
        ManifestKey("name", required: true, .text, "The snapshot's name (cut to 255 bytes, as qemu-img cuts it)."),
        ManifestKey(
          "date", .date,
          "The snapshot's date in seconds since the epoch; default SOURCE_DATE_EPOCH, else the current time."),
      ])
    }
  }

  /// What the step does, for the schema.
  var summary: String {
    switch self {
    case .write: return "Write a byte pattern, as qemu-io -c \"write -P PATTERN OFFSET LENGTH\" does."
    case .writeZeroes: return "Write zeros, as qemu-io -c \"write -z OFFSET LENGTH\" does (zero flags where it can)."
    case .discard: return "Discard guest data, as qemu-io -c \"discard OFFSET LENGTH\" does."
    case .writeCompressed:
      return "Write a byte pattern compressed, as qemu-io -c \"write -c -P PATTERN OFFSET LENGTH\" does "
        + "(whole clusters, each compressed on its own with the image's compression type)."
    case .snapshot: return "Take an internal snapshot, as qemu-img snapshot -c NAME does."
    }
  }
}

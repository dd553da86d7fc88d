/// The `qemu-img create -f qcow2` options qcow-batch takes: their names, the values each
/// accepts and what each does. `CreateOptions` reads them; the manifest schema lists them.
public enum CreateOption: String, CaseIterable, Sendable {
  case size
  case compat
  case clusterSize = "cluster_size"
  case lazyRefcounts = "lazy_refcounts"
  case extendedL2 = "extended_l2"
  case compressionType = "compression_type"
  case refcountBits = "refcount_bits"
  case backingFile = "backing_file"
  case backingFormat = "backing_fmt"
  case dataFile = "data_file"
  case dataFileRaw = "data_file_raw"

  /// What an option's value is.
  public enum Kind: Sendable, Equatable {
    /// A size in qemu-img's syntax: `64M`, `1.5G`, `65536`.
    case size
    /// `on` or `off` (also `yes`/`no`, `true`/`false`, `y`/`n`).
    case flag
    /// One of the listed words.
    case choice([String])
    /// An unsigned number, decimal, `0x` hex or `0` octal.
    case number
    /// A file or format name, stored as given.
    case name
  }

  /// The words a flag accepts for on.
  public static let onWords = ["on", "yes", "true", "y"]
  /// The words a flag accepts for off.
  public static let offWords = ["off", "no", "false", "n"]

  /// The values the option takes.
  public var kind: Kind {
    switch self {
    case .size, .clusterSize: return .size
    case .compat: return .choice(["0.10", "v2", "1.1", "v3"])
    case .lazyRefcounts, .extendedL2, .dataFileRaw: return .flag
    case .compressionType: return .choice(["zlib", "zstd"])
    case .refcountBits: return .number
    case .backingFile, .backingFormat, .dataFile: return .name
    }
  }

  /// The words a `choice` option accepts; empty for the other kinds.
  public var choices: [String] {
    if case .choice(let words) = kind { return words }
    return []
  }

  /// What the option does, one sentence.
  public var summary: String {
    switch self {
    case .size: return "The virtual size (suffixes k, M, G, T, P, E); without it, the backing image's size."
    case .compat: return "The header version: 0.10 or v2 for version 2, 1.1 or v3 (the default) for version 3."
    case .clusterSize: return "The cluster size in bytes, a power of two from 512 to 2M (default 64k)."
    case .lazyRefcounts: return "Set the lazy refcounts compatible feature bit."
    case .extendedL2: return "Use extended L2 entries (subclusters); needs clusters of at least 16k."
    case .compressionType: return "The compression type of compressed clusters (default zlib)."
    case .refcountBits: return "The refcount width in bits, a power of two from 1 to 64 (default 16)."
    case .backingFile: return "The backing file name, stored as given and resolved against the image's directory."
    case .backingFormat: return "The backing file's format, stored in the backing format extension."
    case .dataFile: return "An external data file, made beside the image; its name is stored as given."
    case .dataFileRaw: return "Mark the external data file as raw: it holds the guest data at the same offsets."
    }
  }
}

/// `qemu-img create -f qcow2` options, with qemu-img's names, syntax and checks.
public struct CreateOptions: Sendable, Equatable {
  /// The virtual size in bytes, as given (rounded up to 512 when the image is built).
  public var size: UInt64?
  /// `compat`: "0.10"/"v2" or "1.1"/"v3"; nil for the default (v3).
  public var compat: String?
  /// `cluster_size` in bytes.
  public var clusterSize: UInt64 = 65536
  /// `lazy_refcounts`.
  public var lazyRefcounts = false
  /// `extended_l2`.
  public var extendedL2 = false
  /// `compression_type`: "zlib" or "zstd".
  public var compressionType = "zlib"
  /// `refcount_bits`.
  public var refcountBits: UInt64 = 16
  /// `backing_file`, stored in the image exactly as given.
  public var backingFile: String?
  /// `backing_fmt`.
  public var backingFormat: String?
  /// `data_file`, stored in the image exactly as given.
  public var dataFile: String?
  /// `data_file_raw`.
  public var dataFileRaw = false
  /// Options in the order given, with their text, for qemu-img's "Formatting" line.
  private var given: [String: String] = [:]

  /// Options with all defaults.
  public init() {}

  /// The option names this create accepts.
  public static let names = CreateOption.allCases.map(\.rawValue)

  /// Sets option `name` from its qemu-img text.
  public mutating func set(_ name: String, _ value: String) throws {
    switch name {
    case "size": size = try QemuSize.option(name, value)
    // compat and compression_type are checked later, by validate(), as QEMU does.
    case "compat": compat = value
    case "cluster_size": clusterSize = try QemuSize.option(name, value)
    case "lazy_refcounts": lazyRefcounts = try CreateOptions.bool(name, value)
    case "extended_l2": extendedL2 = try CreateOptions.bool(name, value)
    case "data_file_raw": dataFileRaw = try CreateOptions.bool(name, value)
    case "compression_type": compressionType = value
    case "refcount_bits": refcountBits = try CreateOptions.number(name, value)
    case "backing_file": backingFile = value
    case "backing_fmt": backingFormat = value
    case "data_file": dataFile = value
    case "encryption", "encrypt.format", "encrypt.key-secret":
      throw QcowError("encryption is not supported by qcow-batch create; use qemu-img create")
    case "preallocation":
      throw QcowError("preallocation is not supported by qcow-batch create; use qemu-img create")
    default:
      throw QcowError("Invalid parameter '\(name)'")
    }
    given[name] = value
  }

  /// Parses qemu-img's `-o` text: `name=value` pairs separated by commas (`,,` is a comma).
  public mutating func set(optionText text: String) throws {
    var pairs: [String] = []
    var current = ""
    var characters = Array(text)[...]
    while let character = characters.popFirst() {
      if character == "," {
        if characters.first == "," {
          current.append(",")
          characters = characters.dropFirst()
        } else {
          pairs.append(current)
          current = ""
        }
      } else {
        current.append(character)
      }
    }
    pairs.append(current)
    for pair in pairs where !pair.isEmpty {
      guard let equals = pair.firstIndex(of: "=") else {
        throw QcowError("Invalid parameter '\(pair)'")
      }
      try set(String(pair[..<equals]), String(pair[pair.index(after: equals)...]))
    }
  }

  /// A number-typed option, read as `strtoull` with base 0 reads it (decimal, 0x hex, 0 octal).
  private static func number(_ name: String, _ value: String) throws -> UInt64 {
    var digits = Substring(value)
    var radix: UInt64 = 10
    if digits.hasPrefix("0x") || digits.hasPrefix("0X") {
      radix = 16
      digits = digits.dropFirst(2)
    } else if digits.hasPrefix("0") && digits.count > 1 {
      radix = 8
      digits = digits.dropFirst()
    }
    var result: UInt64 = 0
    var overflow = false
    for character in digits {
      guard let digit = character.hexDigitValue, UInt64(digit) < radix else {
        throw QcowError("Parameter '\(name)' expects a number")
      }
      let (times, o1) = result.multipliedReportingOverflow(by: radix)
      let (plus, o2) = times.addingReportingOverflow(UInt64(digit))
      overflow = overflow || o1 || o2
      result = plus
    }
    guard !digits.isEmpty else { throw QcowError("Parameter '\(name)' expects a number") }
    if overflow { throw QcowError("Value '\(value)' is too large for parameter '\(name)'") }
    return result
  }

  private static func bool(_ name: String, _ value: String) throws -> Bool {
    if CreateOption.onWords.contains(value) { return true }
    if CreateOption.offWords.contains(value) { return false }
    throw QcowError("Parameter '\(name)' expects 'on' or 'off'")
  }

  /// The header version the options ask for.
  public var version: UInt64 { compat == "0.10" || compat == "v2" ? 2 : 3 }

  /// qemu-img's line for the options: `fmt=qcow2 cluster_size=65536 ... refcount_bits=16`.
  public func formattingLine(file: String, size: UInt64) -> String {
    var parts = ["fmt=qcow2", "cluster_size=\(clusterSize)", "extended_l2=\(given["extended_l2"] ?? "off")"]
    parts.append("compression_type=" + CreateOptions.escaped(compressionType))
    parts.append("size=\(size)")
    for name in ["compat", "backing_file", "backing_fmt", "data_file", "data_file_raw"] {
      // QEMU prints string options with each comma doubled.
      if let value = given[name] { parts.append("\(name)=" + CreateOptions.escaped(value)) }
    }
    parts.append("lazy_refcounts=\(given["lazy_refcounts"] ?? "off")")
    parts.append("refcount_bits=\(refcountBits)")
    return "Formatting '\(file)', " + parts.joined(separator: " ")
  }

  /// `value` with each comma doubled, as QEMU prints string options.
  private static func escaped(_ value: String) -> String {
    value.split(separator: ",", omittingEmptySubsequences: false).joined(separator: ",,")
  }

  /// Checks the combination as qemu-img does, with its messages, in QEMU's order: the values
  /// of compat and compression_type first (QEMU reads them after printing "Formatting"), then
  /// `qcow2_co_create`'s checks.
  public func validate() throws {
    if let compat, !CreateOption.compat.choices.contains(compat) {
      throw QcowError("Parameter 'version' does not accept value '\(compat)'")
    }
    guard CreateOption.compressionType.choices.contains(compressionType) else {
      throw QcowError("Parameter 'compression-type' does not accept value '\(compressionType)'")
    }
    if extendedL2 && version < 3 {
      throw QcowError(
        "Extended L2 entries are only supported with compatibility level 1.1 and above (use version=v3 or greater)")
    }
    guard clusterSize >= 512, clusterSize <= 2 << 20, clusterSize & (clusterSize - 1) == 0 else {
      throw QcowError("Cluster size must be a power of two between 512 and 2048k")
    }
    if extendedL2 && clusterSize < 16384 {
      throw QcowError("Extended L2 entries are only supported with cluster sizes of at least 16384 bytes")
    }
    if backingFormat != nil && backingFile == nil {
      throw QcowError("Backing format cannot be used without backing file")
    }
    if lazyRefcounts && version < 3 {
      throw QcowError(
        "Lazy refcounts only supported with compatibility level 1.1 and above (use version=v3 or greater)")
    }
    guard refcountBits >= 1, refcountBits <= 64, refcountBits & (refcountBits - 1) == 0 else {
      throw QcowError("Refcount width must be a power of two and may not exceed 64 bits")
    }
    if version < 3 && refcountBits != 16 {
      throw QcowError(
        "Different refcount widths than 16 bits require compatibility level 1.1 or above (use version=v3 or greater)")
    }
    if dataFileRaw && dataFile == nil { throw QcowError("data-file-raw requires data-file") }
    if dataFileRaw && backingFile != nil {
      throw QcowError("Backing file and data-file-raw cannot be used at the same time")
    }
    if dataFile != nil && version < 3 {
      throw QcowError(
        "External data files are only supported with compatibility level 1.1 and above (use version=v3 or greater)")
    }
    if compressionType != "zlib" && version < 3 {
      throw QcowError(
        "Non-zlib compression type is only supported with compatibility level 1.1 and above (use version=v3 or greater)"
      )
    }
    if backingFile != nil && backingFormat == nil {
      throw QcowError("Backing file specified without backing format")
    }
  }
}

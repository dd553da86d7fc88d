/// The header extension types QEMU defines.
public enum ExtensionKind: UInt32, CaseIterable, Sendable {
  case backingFormat = 0xe279_2aca
  case featureTable = 0x6803_f857
  case cryptoHeader = 0x0537_be77
  case bitmaps = 0x2385_2875
  case dataFile = 0x4441_5441

  /// The name qcow2.py prints for the type.
  public var name: String {
    switch self {
    case .backingFormat: return "Backing format"
    case .featureTable: return "Feature table"
    case .cryptoHeader: return "Crypto header"
    case .bitmaps: return "Bitmaps"
    case .dataFile: return "Data file"
    }
  }

  /// The printed name for `magic`, `<unknown>` when it is not a known type.
  public static func name(of magic: UInt32) -> String {
    ExtensionKind(rawValue: magic)?.name ?? "<unknown>"
  }
}

/// How a header value is displayed in text output.
public enum FieldFormat: Sendable {
  /// `0x` followed by lowercase hex digits.
  case hex
  /// Plain decimal.
  case decimal
  /// The set bit numbers in Python list form, e.g. `[0, 3]`.
  case flags

  /// The value rendered in this format.
  public func render(_ value: UInt64) -> String {
    switch self {
    case .hex: return "0x" + String(value, radix: 16)
    case .decimal: return String(value)
    case .flags: return "[" + FieldFormat.setBits(of: value).map(String.init).joined(separator: ", ") + "]"
    }
  }

  /// The numbers of the bits set in `value`, ascending.
  public static func setBits(of value: UInt64) -> [Int] {
    (0..<64).filter { value & (1 << UInt64($0)) != 0 }
  }
}

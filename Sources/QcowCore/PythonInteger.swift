/// An integer written in Python's `int(text, 0)` syntax, of any size.
public struct PythonInteger: Sendable, Equatable {
  /// Whether the value is below zero.
  public let isNegative: Bool
  /// The magnitude in decimal digits, without sign or leading zeros.
  public let decimalMagnitude: String
  /// The value, when it is a non-negative integer that fits 64 bits.
  public let value: UInt64?

  /// Parses `text`, or returns nil when Python would raise ValueError.
  public init?(_ text: String) {
    guard let ascii = text.pythonASCIIDigits() else { return nil }
    let trimmed = ascii.trimmingPythonWhitespace()
    var rest = Substring(trimmed)
    var negative = false
    if let sign = rest.first, sign == "+" || sign == "-" {
      negative = sign == "-"
      rest = rest.dropFirst()
    }
    var radix = 10
    let prefixes: [(String, Int)] = [("0x", 16), ("0o", 8), ("0b", 2)]
    var hadPrefix = false
    if let (_, base) = prefixes.first(where: { rest.lowercased().hasPrefix($0.0) }) {
      radix = base
      rest = rest.dropFirst(2)
      hadPrefix = true
      if rest.first == "_" { rest = rest.dropFirst() }
    }
    // Underscores separate single digits: never first, last or doubled.
    guard !rest.isEmpty, rest.first != "_", rest.last != "_", !rest.contains("__") else { return nil }
    let digits = rest.filter { $0 != "_" }
    var decimal: [UInt8] = [0]  // little-endian base-10 digits of the magnitude
    for character in digits {
      guard let digit = character.hexDigitValue, digit < radix else { return nil }
      var carry = digit
      for index in decimal.indices {
        let product = Int(decimal[index]) * radix + carry
        decimal[index] = UInt8(product % 10)
        carry = product / 10
      }
      while carry > 0 {
        decimal.append(UInt8(carry % 10))
        carry /= 10
      }
    }
    while decimal.count > 1, decimal.last == 0 { decimal.removeLast() }
    // Decimal literals may start with 0 only when every digit is 0.
    if !hadPrefix, digits.first == "0", decimal != [0] { return nil }
    let magnitude = String(decimal.reversed().map { Character(String($0)) })
    isNegative = negative && magnitude != "0"
    decimalMagnitude = magnitude
    value = isNegative ? nil : UInt64(magnitude)
  }

  /// The value as Python prints it with `%d`.
  public var description: String { (isNegative ? "-" : "") + decimalMagnitude }
}

extension String {
  /// The string as CPython's `int()` parses it: non-ASCII decimal digits become ASCII digits and
  /// non-ASCII whitespace a space; nil when any other non-ASCII character makes it invalid.
  func pythonASCIIDigits() -> String? {
    var result = ""
    for scalar in unicodeScalars {
      if scalar.isASCII {
        result.unicodeScalars.append(scalar)
      } else if scalar.properties.isWhitespace {
        result += " "
      } else if scalar.properties.numericType == .decimal, let value = scalar.properties.numericValue,
        let digit = Int(exactly: value)
      {
        result += String(digit)
      } else {
        return nil
      }
    }
    return result
  }

  /// The string without the leading and trailing whitespace Python's `int()` ignores.
  func trimmingPythonWhitespace() -> String {
    let isSpace: (Character) -> Bool = { $0.isWhitespace }
    guard let first = firstIndex(where: { !isSpace($0) }), let last = lastIndex(where: { !isSpace($0) })
    else { return "" }
    return String(self[first...last])
  }
}

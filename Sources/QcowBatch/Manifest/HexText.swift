/// Hex strings such as `"00ff 12"` as bytes.
enum HexText {
  /// The bytes `text` spells (whitespace ignored), or nil when it is not whole hex bytes.
  static func decode(_ text: String) -> [UInt8]? {
    let digits = text.filter { !$0.isWhitespace }
    guard digits.count % 2 == 0 else { return nil }
    var bytes: [UInt8] = []
    var high: Int?
    for character in digits {
      guard let value = character.hexDigitValue else { return nil }
      if let first = high {
        bytes.append(UInt8(first * 16 + value))
        high = nil
      } else {
        high = value
      }
    }
    return bytes
  }
}

/// The line encoding of the journal: tab-separated fields, each escaped so that it holds no
/// tab, newline or other control character.
enum JournalLine {
  /// One line of tab-separated, escaped fields.
  static func fields(_ values: [String]) -> String {
    values.map(escape).joined(separator: "\t") + "\n"
  }

  /// The fields of `line`, unescaped.
  static func split(_ line: String) -> [String] {
    line.split(separator: "\t", omittingEmptySubsequences: false).map { unescape(String($0)) }
  }

  /// `value` with `%`, control characters, spaces and non-ASCII bytes as `%XX`.
  static func escape(_ value: String) -> String {
    var out = ""
    for byte in value.utf8 {
      if byte > 0x20 && byte < 0x7f && byte != 0x25 {
        out.unicodeScalars.append(Unicode.Scalar(byte))
      } else {
        out += "%" + (byte < 16 ? "0" : "") + String(byte, radix: 16)
      }
    }
    return out
  }

  /// The inverse of `escape`.
  static func unescape(_ value: String) -> String {
    var bytes: [UInt8] = []
    var iterator = Array(value.utf8).makeIterator()
    while let byte = iterator.next() {
      if byte == 0x25, let high = iterator.next(), let low = iterator.next(),
        let decoded = UInt8(String(decoding: [high, low], as: UTF8.self), radix: 16)
      {
        bytes.append(decoded)
      } else {
        bytes.append(byte)
      }
    }
    return String(decoding: bytes, as: UTF8.self)
  }
}

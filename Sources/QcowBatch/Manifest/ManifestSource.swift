/// The text of a manifest by line, for showing the lines diagnostics point at.
struct ManifestSource: Sendable {
  private let lines: [String]

  /// The text of `bytes`; lines end at LF, CR LF or CR, as YAML's do.
  init(_ bytes: [UInt8]) {
    var lines: [String] = []
    var start = 0
    var index = 0
    while index < bytes.count {
      let byte = bytes[index]
      if byte == UInt8(ascii: "\n") || byte == UInt8(ascii: "\r") {
        lines.append(String(decoding: bytes[start..<index], as: UTF8.self))
        let crlf = byte == UInt8(ascii: "\r") && index + 1 < bytes.count && bytes[index + 1] == UInt8(ascii: "\n")
        index += crlf ? 2 : 1
        start = index
      } else {
        index += 1
      }
    }
    lines.append(String(decoding: bytes[start...], as: UTF8.self))
    self.lines = lines
  }

  /// Line `number` (1-based) without its line break, or nil past the end.
  func line(_ number: Int) -> String? {
    lines.indices.contains(number - 1) ? lines[number - 1] : nil
  }
}

import Testing

/// Bytes at an offset of an image, written in hex (spaces allowed).
struct Patch: Sendable, CustomStringConvertible {
  /// Where the bytes go.
  let offset: Int
  /// The bytes in hex.
  let hex: String

  /// Bytes `hex` at `offset`.
  init(_ offset: Int, _ hex: String) {
    self.offset = offset
    self.hex = hex
  }

  var description: String { "\(offset): \(hex)" }

  /// The bytes, nil when `hex` is not an even number of hex digits.
  var bytes: [UInt8]? {
    let digits = Array(hex.filter { $0 != " " })
    guard digits.count % 2 == 0 else { return nil }
    var result: [UInt8] = []
    for start in stride(from: 0, to: digits.count, by: 2) {
      guard let byte = UInt8(String(digits[start..<start + 2]), radix: 16) else { return nil }
      result.append(byte)
    }
    return result
  }

  /// Stores the bytes in `target`, which grows with zeros when it is too short.
  func apply(to target: inout [UInt8]) throws {
    let bytes = try #require(bytes, "malformed hex in patch \(self)")
    if target.count < offset + bytes.count {
      target += Array(repeating: 0, count: offset + bytes.count - target.count)
    }
    target.replaceSubrange(offset..<offset + bytes.count, with: bytes)
  }
}

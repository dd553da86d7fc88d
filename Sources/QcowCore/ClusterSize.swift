/// The cluster size a header declares, 2^cluster_bits, for any cluster_bits a file holds
/// (0 to 2^32-1): exact where it fits 64 bits, saturated where it does not.
public struct ClusterSize: Sendable, Equatable {
  /// Python's default limit on the digits of an integer it converts to text.
  public static let pythonDigitLimit = 4300

  /// log2 of the size, as the header stores it.
  public let bits: UInt64

  /// A cluster size of 2^`bits` bytes.
  public init(bits: UInt64) {
    self.bits = bits
  }

  /// The size in bytes, when it fits 64 bits.
  public var bytes: UInt64? { bits < 64 ? 1 << bits : nil }

  /// The size as a bound on file offsets: every offset a file can hold is below it when it
  /// does not fit 64 bits.
  public var limit: UInt64 { bytes ?? .max }

  /// The size for people: bytes, or "2^N bytes" where it does not fit 64 bits.
  public var description: String {
    guard let bytes else { return "2^\(bits) bytes" }
    return bytes == 1 ? "1 byte" : "\(bytes) bytes"
  }

  /// Whether `offset` is a multiple of the cluster size.
  public func isAligned(_ offset: UInt64) -> Bool {
    bits < 64 ? offset & ((1 << bits) - 1) == 0 : offset == 0
  }

  /// The size in decimal, as Python prints `1 << cluster_bits`; nil where Python refuses to
  /// (more than `pythonDigitLimit` digits).
  public var decimal: String? {
    if let bytes { return String(bytes) }
    // 2^bits has floor(bits * log10(2)) + 1 digits; bail out well before building it.
    guard bits <= 15_000 else { return nil }
    // Little-endian limbs of nine decimal digits each.
    let base: UInt64 = 1_000_000_000
    var limbs: [UInt64] = [1]
    for _ in 0..<bits {
      var carry: UInt64 = 0
      for index in limbs.indices {
        let doubled = limbs[index] * 2 + carry
        limbs[index] = doubled % base
        carry = doubled / base
      }
      if carry > 0 { limbs.append(carry) }
    }
    guard let top = limbs.last else { return nil }
    var text = String(top)
    for limb in limbs.dropLast().reversed() {
      let digits = String(limb)
      text += String(repeating: "0", count: 9 - digits.count) + digits
    }
    return text.count <= ClusterSize.pythonDigitLimit ? text : nil
  }
}

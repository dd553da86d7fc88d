/// Sizes in qemu-img's syntax: a number, optionally with a fraction, and a suffix.
public enum QemuSize {
  /// qemu-img's message for a size it cannot read.
  public static let invalidMessage =
    "Invalid image size specified. You may use k, M, G, T, P or E suffixes for kilobytes, megabytes, "
    + "gigabytes, terabytes, petabytes and exabytes."
  /// qemu-img's message for an image size that does not fit in 63 bits.
  public static let rangeMessage = "Invalid image size specified. Must be between 0 and 9223372036854775807."

  /// Why a text names no size.
  public enum Failure: Error, Sendable {
    /// Not a size at all.
    case invalid
    /// A size that does not fit in 64 bits.
    case outOfRange
  }

  /// The size `text` names in bytes (`64M`, `1.5G`, `1000`, `512b`), or nil; at most `Int64.max`.
  public static func parse(_ text: String) -> UInt64? {
    guard case .success(let bytes) = read(text), bytes <= UInt64(Int64.max) else { return nil }
    return bytes
  }

  /// qemu-img's positional SIZE (`cvtnum`): 0 through `Int64.max`, with its messages.
  public static func imageSize(_ text: String) throws -> UInt64 {
    switch read(text) {
    case .success(let bytes) where bytes <= UInt64(Int64.max): return bytes
    case .failure(.invalid): throw QcowError(invalidMessage)
    default: throw QcowError(rangeMessage)
    }
  }

  /// A size-typed `-o` option (QEMU's `parse_option_size`), with its messages.
  public static func option(_ name: String, _ text: String) throws -> UInt64 {
    switch read(text) {
    case .success(let bytes): return bytes
    case .failure(.invalid): throw QcowError("Parameter '\(name)' expects a non-negative number below 2^64")
    case .failure(.outOfRange): throw QcowError("Value '\(text)' is out of range for parameter '\(name)'")
    }
  }

  /// A port of QEMU 7.2's `qemu_strtosz`: decimal (or `0x` hex, without fraction),
  /// an optional fraction, an optional suffix (b, k, M, G, T, P, E; any case; powers of 1024).
  /// A fraction needs a suffix; the result is rounded half up.
  public static func read(_ text: String) -> Result<UInt64, Failure> {
    let bytes = Array(text.utf8)
    var index = 0
    // strtoull skips white space and takes a sign; qemu_strtosz then refuses a minus.
    while index < bytes.count, [0x20, 0x09, 0x0a, 0x0b, 0x0c, 0x0d].contains(bytes[index]) { index += 1 }
    if index < bytes.count, bytes[index] == UInt8(ascii: "+") || bytes[index] == UInt8(ascii: "-") {
      guard bytes[index] == UInt8(ascii: "+") else { return .failure(.invalid) }
      index += 1
    }
    let digitsStart = index
    var value: UInt64 = 0
    var overflow = false
    while index < bytes.count, let digit = digitValue(bytes[index]), digit < 10 {
      let (times, o1) = value.multipliedReportingOverflow(by: 10)
      let (plus, o2) = times.addingReportingOverflow(digit)
      overflow = overflow || o1 || o2
      value = plus
      index += 1
    }
    guard index > digitsStart else { return .failure(.invalid) }
    if overflow { return index == bytes.count ? .failure(.outOfRange) : .failure(.invalid) }
    var fraction: UInt64 = 0
    if value == 0, index - digitsStart == 1, index < bytes.count, bytes[index] | 0x20 == UInt8(ascii: "x") {
      // Hex: no fraction (QEMU 7.2 still takes a suffix, with a deprecation warning).
      index += 1
      let hexStart = index
      while index < bytes.count, let digit = digitValue(bytes[index]) {
        let (times, o1) = value.multipliedReportingOverflow(by: 16)
        overflow = overflow || o1
        value = times | digit
        index += 1
      }
      guard index > hexStart else { return .failure(.invalid) }
      if overflow { return index == bytes.count ? .failure(.outOfRange) : .failure(.invalid) }
      if index < bytes.count, bytes[index] == UInt8(ascii: ".") { return .failure(.invalid) }
    } else if index < bytes.count, bytes[index] == UInt8(ascii: ".") {
      index += 1
      let fractionStart = index
      while index < bytes.count, let digit = digitValue(bytes[index]), digit < 10 { index += 1 }
      if index > fractionStart {
        // strtod would take an exponent too: qemu_strtosz refuses one.
        var exponent = index
        if exponent < bytes.count, bytes[exponent] | 0x20 == UInt8(ascii: "e") {
          exponent += 1
          if exponent < bytes.count, bytes[exponent] == UInt8(ascii: "+") || bytes[exponent] == UInt8(ascii: "-") {
            exponent += 1
          }
          if exponent < bytes.count, let digit = digitValue(bytes[exponent]), digit < 10 { return .failure(.invalid) }
        }
        let digits = String(decoding: bytes[fractionStart..<index], as: UTF8.self)
        // A 64-bit fixed-point fraction, as QEMU extracts it. A fraction that rounds to 1.0
        // overflows QEMU's conversion, which gives 0 on x86-64 (so 0.9999999999999999999M is 0).
        let scaled = (Double("0." + digits) ?? 0) * 0x1p64
        fraction = scaled >= 0x1p64 ? 0 : UInt64(scaled)
      }
    }
    var multiplier: UInt64 = 1
    if index < bytes.count, let shift = suffixShifts[bytes[index] | 0x20] {
      multiplier = 1 << shift
      index += 1
    }
    guard index == bytes.count else { return .failure(.invalid) }
    if multiplier == 1 {
      return fraction == 0 ? .success(value) : .failure(.invalid)
    }
    // The exact result, 64.64 fixed point times an integer, rounded half up.
    var (high, low) = value.multipliedFullWidth(by: multiplier)
    let (fractionHigh, fractionLow) = fraction.multipliedFullWidth(by: multiplier)
    for addend in [fractionHigh, fractionLow >> 63] {
      let (sum, carry) = low.addingReportingOverflow(addend)
      low = sum
      if carry { high &+= 1 }
    }
    return high == 0 ? .success(low) : .failure(.outOfRange)
  }

  /// Suffix letters (lower case) and their powers of two.
  private static let suffixShifts: [UInt8: UInt64] = [
    UInt8(ascii: "b"): 0, UInt8(ascii: "k"): 10, UInt8(ascii: "m"): 20, UInt8(ascii: "g"): 30,
    UInt8(ascii: "t"): 40, UInt8(ascii: "p"): 50, UInt8(ascii: "e"): 60,
  ]

  /// The value of an ASCII hex digit.
  private static func digitValue(_ byte: UInt8) -> UInt64? {
    switch byte {
    case UInt8(ascii: "0")...UInt8(ascii: "9"): return UInt64(byte - UInt8(ascii: "0"))
    case UInt8(ascii: "a")...UInt8(ascii: "f"): return UInt64(byte - UInt8(ascii: "a") + 10)
    case UInt8(ascii: "A")...UInt8(ascii: "F"): return UInt64(byte - UInt8(ascii: "A") + 10)
    default: return nil
    }
  }
}

/// Sizes in qemu-img's syntax: a number, optionally with a fraction, and a suffix.
public enum QemuSize {
  /// qemu-img's message for a size it cannot read.
  public static let invalidMessage =
    "Invalid image size specified. You may use k, M, G, T, P or E suffixes for kilobytes, megabytes, "
    + "gigabytes, terabytes, petabytes and exabytes."

  /// The size `text` names in bytes (`64M`, `1.5G`, `1000`, `512b`), or nil.
  public static func parse(_ text: String) -> UInt64? {
    let suffixes: [Character: UInt64] = [
      "b": 1, "B": 1, "k": 1 << 10, "K": 1 << 10, "m": 1 << 20, "M": 1 << 20, "g": 1 << 30, "G": 1 << 30,
      "t": 1 << 40, "T": 1 << 40, "p": 1 << 50, "P": 1 << 50, "e": 1 << 60, "E": 1 << 60,
    ]
    var number = Substring(text)
    var unit: UInt64 = 1
    if let last = number.last, let multiplier = suffixes[last] {
      unit = multiplier
      number = number.dropLast()
    }
    let parts = number.split(separator: ".", maxSplits: 1, omittingEmptySubsequences: false)
    guard let wholeText = parts.first, !wholeText.isEmpty, wholeText.allSatisfy(\.isASCII),
      let whole = UInt64(wholeText)
    else { return nil }
    let (scaled, overflow) = whole.multipliedReportingOverflow(by: unit)
    guard !overflow, scaled <= UInt64(Int64.max) else { return nil }
    guard parts.count == 2 else { return scaled }
    // A fraction needs a suffix, as in qemu_strtosz.
    let fraction = parts[1]
    guard unit > 1, !fraction.isEmpty, fraction.allSatisfy({ $0.isASCII && $0.isNumber }),
      let value = Double("0." + fraction)
    else { return nil }
    let extra = UInt64(value * Double(unit))
    let (total, overflowed) = scaled.addingReportingOverflow(extra)
    return overflowed || total > UInt64(Int64.max) ? nil : total
  }
}

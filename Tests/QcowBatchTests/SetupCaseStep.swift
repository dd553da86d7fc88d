/// One step of a setup agreement case: the qemu-io (or qemu-img snapshot) command it stands
/// for and the manifest line that asks qcow-batch for the same.
enum SetupCaseStep: Sendable {
  case write(UInt64, UInt64, pattern: UInt8?)
  case zeroes(UInt64, UInt64)
  case discard(UInt64, UInt64)
  case compressed(UInt64, UInt64, pattern: UInt8)
  case snapshot(String)

  /// The snapshot date both sides get (the qemu side's dates are masked to it).
  static let date: UInt32 = 1_700_000_000

  /// The command line that makes this step on `image` with QEMU.
  func qemuCommand(image: String) -> [String] {
    let io = { (command: String) in ["qemu-io", "-f", "qcow2", "-c", command, image] }
    switch self {
    case .write(let offset, let length, let pattern):
      return io("write" + (pattern.map { " -P \($0)" } ?? "") + " \(offset) \(length)")
    case .zeroes(let offset, let length): return io("write -z \(offset) \(length)")
    case .discard(let offset, let length): return io("discard \(offset) \(length)")
    case .compressed(let offset, let length, let pattern): return io("write -c -P \(pattern) \(offset) \(length)")
    case .snapshot(let name): return ["qemu-img", "snapshot", "-c", name, image]
    }
  }

  /// The manifest's line for this step; sizes in the manifest's suffix syntax where they can be.
  var manifestLine: String {
    switch self {
    case .write(let offset, let length, let pattern):
      let patternText = pattern.map { ", pattern: 0x\(String($0, radix: 16))" } ?? ""
      return "write: {offset: \(Self.size(offset)), length: \(Self.size(length))\(patternText)}"
    case .zeroes(let offset, let length):
      return "write-zeroes: {offset: \(Self.size(offset)), length: \(Self.size(length))}"
    case .discard(let offset, let length):
      return "discard: {offset: \(Self.size(offset)), length: \(Self.size(length))}"
    case .compressed(let offset, let length, let pattern):
      return "write-compressed: {offset: \(Self.size(offset)), length: \(Self.size(length)), pattern: \(pattern)}"
    case .snapshot(let name): return "snapshot: {name: \(name), date: \(Self.date)}"
    }
  }

  /// `value` with the largest size suffix that divides it (`64k`, `3M`), else as a number.
  private static func size(_ value: UInt64) -> String {
    for (suffix, unit) in [("G", UInt64(1) << 30), ("M", 1 << 20), ("k", 1 << 10)]
    where value >= unit && value % unit == 0 {
      return "\(value / unit)\(suffix)"
    }
    return String(value)
  }
}

/// One guest-data step of a manifest's `setup:` list, as one qemu-io (or qemu-img snapshot)
/// process of QEMU 7.2 performs it.
public enum SetupStep: Sendable, Equatable {
  /// `qemu-io -c "write -P PATTERN OFFSET LENGTH"`.
  case write(offset: UInt64, length: UInt64, pattern: UInt8)
  /// `qemu-io -c "write -z OFFSET LENGTH"`.
  case writeZeroes(offset: UInt64, length: UInt64)
  /// `qemu-io -c "discard OFFSET LENGTH"`.
  case discard(offset: UInt64, length: UInt64)
  /// `qemu-io -c "write -c -P PATTERN OFFSET LENGTH"`.
  case writeCompressed(offset: UInt64, length: UInt64, pattern: UInt8)
  /// `qemu-img snapshot -c NAME`, dated `seconds` and `nanoseconds` past the epoch.
  case snapshot(name: String, seconds: UInt32, nanoseconds: UInt32)

  /// The guest range the step touches, when it has one.
  public var range: (offset: UInt64, length: UInt64)? {
    switch self {
    case .write(let offset, let length, _), .writeZeroes(let offset, let length), .discard(let offset, let length),
      .writeCompressed(let offset, let length, _):
      return (offset, length)
    case .snapshot: return nil
    }
  }

  /// The step as JSON, keyed as in a manifest: `{"write": {"offset": 0, ...}}`, guest offsets
  /// and lengths in bytes, a snapshot's date in Unix seconds and nanoseconds.
  public var json: JSONValue {
    let (kind, arguments): (String, [(String, JSONValue)])
    switch self {
    case .write(let offset, let length, let pattern):
      (kind, arguments) = (
        "write", [("offset", .number(offset)), ("length", .number(length)), ("pattern", .number(UInt64(pattern)))]
      )
    case .writeZeroes(let offset, let length):
      (kind, arguments) = ("write-zeroes", [("offset", .number(offset)), ("length", .number(length))])
    case .discard(let offset, let length):
      (kind, arguments) = ("discard", [("offset", .number(offset)), ("length", .number(length))])
    case .writeCompressed(let offset, let length, let pattern):
      (kind, arguments) = (
        "write-compressed",
        [("offset", .number(offset)), ("length", .number(length)), ("pattern", .number(UInt64(pattern)))]
      )
    case .snapshot(let name, let seconds, let nanoseconds):
      (kind, arguments) = (
        "snapshot",
        [("name", .string(name)), ("date", .number(UInt64(seconds))), ("date_nsec", .number(UInt64(nanoseconds)))]
      )
    }
    return .object([(kind, .object(arguments))])
  }
}

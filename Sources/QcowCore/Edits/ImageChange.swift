/// One change an image edit makes, decoded for plan output: what, where, old and new.
public struct ImageChange: Sendable, Equatable {
  /// What changes: a location (`l2[vaddr=0x0]`), `poke`, `fill` or `truncate`.
  public let what: String
  /// Host offset of the first byte changed (the old length for a truncate).
  public let offset: UInt64
  /// Where, for people: the offset, with the bits of a refcount narrower than a byte.
  public var place: String { placeText ?? FieldFormat.hex.render(offset) }
  /// The place when it is more than the offset.
  let placeText: String?
  /// Bytes changed (for a truncate, the new length).
  public let length: UInt64
  /// The old contents, decoded.
  public let old: String
  /// The new contents, decoded.
  public let new: String
  /// The old and new contents as JSON (raw value and fields), for `set`.
  public let oldJSON: JSONValue?
  public let newJSON: JSONValue?
  /// For a setup step, the step as the manifest gave it (kind and arguments), for JSON.
  var stepJSON: JSONValue? = nil

  /// The change as one plan line.
  public var text: String {
    switch what {
    case "truncate": return "truncate: \(old) -> \(new) bytes"
    case "backing file", "data file": return "\(what): \(old) -> \(new) (\(place))"
    case "fill": return "fill \(FieldFormat.hex.render(offset))..\(FieldFormat.hex.render(offset + length)): \(new)"
    default: return "\(what) at \(place): \(old) -> \(new)"
    }
  }

  /// The change as JSON.
  public var json: JSONValue {
    .object(
      [("what", .string(what))] + (stepJSON.map { [("step", $0)] } ?? []) + [
        ("offset", .number(offset)), ("length", .number(length)),
        ("old", oldJSON ?? .string(old)), ("new", newJSON ?? .string(new)),
      ])
  }

  /// `bytes` in hex, the middle left out past 32 bytes.
  static func hexText(_ bytes: [UInt8]) -> String {
    func hex(_ part: ArraySlice<UInt8>) -> String {
      part.map { byte in
        let digits = String(byte, radix: 16)
        return digits.count == 1 ? "0" + digits : digits
      }.joined()
    }
    guard bytes.count > 32 else { return hex(bytes[...]) }
    return hex(bytes.prefix(16)) + "...(\(bytes.count) bytes)..." + hex(bytes.suffix(8))
  }
}

/// A JSON document with ordered object keys, printed exactly as Python's
/// `json.dumps(value, indent=4)` prints it.
public indirect enum JSONValue: Sendable, Equatable {
  case number(UInt64)
  /// Any other number, as its JSON text: `0.1`, `-1`.
  case decimal(String)
  case string(String)
  case bool(Bool)
  case null
  case array([JSONValue])
  case object([(String, JSONValue)])

  public static func == (lhs: JSONValue, rhs: JSONValue) -> Bool {
    lhs.rendered() == rhs.rendered()
  }

  /// The document as Python prints it with `indent=4`, without a trailing newline.
  public func rendered() -> String {
    var out = ""
    render(into: &out, depth: 0)
    return out
  }

  private func render(into out: inout String, depth: Int) {
    switch self {
    case .number(let value): out += String(value)
    case .decimal(let text): out += text
    case .string(let text): JSONValue.quote(text, into: &out)
    case .bool(let flag): out += flag ? "true" : "false"
    case .null: out += "null"
    case .array(let items):
      guard !items.isEmpty else {
        out += "[]"
        return
      }
      out += "["
      for (index, item) in items.enumerated() {
        out += (index == 0 ? "\n" : ",\n") + JSONValue.indent(depth + 1)
        item.render(into: &out, depth: depth + 1)
      }
      out += "\n" + JSONValue.indent(depth) + "]"
    case .object(let members):
      guard !members.isEmpty else {
        out += "{}"
        return
      }
      out += "{"
      for (index, (key, value)) in members.enumerated() {
        out += (index == 0 ? "\n" : ",\n") + JSONValue.indent(depth + 1)
        JSONValue.quote(key, into: &out)
        out += ": "
        value.render(into: &out, depth: depth + 1)
      }
      out += "\n" + JSONValue.indent(depth) + "}"
    }
  }

  private static func indent(_ depth: Int) -> String {
    String(repeating: " ", count: depth * 4)
  }

  /// Appends `text` as a JSON string with Python's `ensure_ascii` escaping.
  private static func quote(_ text: String, into out: inout String) {
    out += "\""
    for unit in text.utf16 {
      switch unit {
      case 0x22: out += "\\\""
      case 0x5c: out += "\\\\"
      case 0x0a: out += "\\n"
      case 0x0d: out += "\\r"
      case 0x09: out += "\\t"
      case 0x08: out += "\\b"
      case 0x0c: out += "\\f"
      case 0x20...0x7e: out.unicodeScalars.append(Unicode.Scalar(UInt8(unit)))
      default:
        let hex = String(unit, radix: 16)
        out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
      }
    }
    out += "\""
  }
}

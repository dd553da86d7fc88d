import QcowCore

/// The parts of the manifest schema that describe values by their text: numbers in qcow2.py's
/// syntax, sizes in qemu-img's, hex data, and the operands of one-line edits.
enum SchemaPatterns {
  /// A non-negative integer as Python's `int(text, 0)` reads it (`0x1f`, `0o17`, `0b101`, `1_000`).
  static let integer =
    #"\+?(?:0[xX]_?[0-9a-fA-F]+(?:_[0-9a-fA-F]+)*|0[oO]_?[0-7]+(?:_[0-7]+)*|0[bB]_?[01]+(?:_[01]+)*"#
    + #"|[1-9][0-9]*(?:_[0-9]+)*|0+(?:_0+)*)"#
  /// The number 1 in that syntax.
  static let one = #"^\s*\+?(?:1|0[xXoObB]_?(?:0_?)*1)\s*$"#
  /// Whole bytes of hex digits, white space anywhere.
  static let hex = #"^\s*(?:[0-9a-fA-F]\s*[0-9a-fA-F]\s*)*$"#
  /// A size as qemu-img reads it: a number, a fraction only with a suffix of k and above.
  static let size =
    #"^\s*\+?(?:0[xX][0-9a-fA-F]+[bBkKmMgGtTpPeE]?|[0-9]+(?:\.0*)?[bBkKmMgGtTpPeE]?|[0-9]+\.[0-9]+[kKmMgGtTpPeE])$"#
  /// A number as `strtoull` with base 0 reads it.
  static let cNumber = "^(?:0[xX][0-9a-fA-F]+|0[0-7]*|[1-9][0-9]*)$"

  /// A string matching `pattern`.
  static func string(_ pattern: String) -> JSONValue {
    .object([("type", .string("string")), ("pattern", .string(pattern))])
  }

  /// A YAML integer from `minimum` to `maximum`, or a string in qcow2.py's number syntax.
  static func number(minimum: UInt64 = 0, maximum: UInt64) -> JSONValue {
    .object([
      (
        "anyOf",
        .array([
          .object([("type", .string("integer")), ("minimum", .number(minimum)), ("maximum", .number(maximum))]),
          string(#"^\s*"# + integer + #"\s*$"#),
        ])
      )
    ])
  }

  /// The pattern of one operand of a one-line edit, with the spaces before it.
  static func operand(_ value: ManifestValue) -> String {
    switch value {
    case .fieldName: return " +(?:" + HeaderField.all.map(\.name).joined(separator: "|") + ")"
    case .group: return " +(?:" + FeatureGroup.allCases.map(\.rawValue).joined(separator: "|") + ")"
    case .text: return "(?: .*)?"
    default: return #" +\s*"# + integer + #"\s*"#
    }
  }

  /// The schema of a create option of `kind`.
  static func schema(of kind: CreateOption.Kind) -> JSONValue {
    switch kind {
    case .size:
      return .object([
        ("anyOf", .array([.object([("type", .string("integer")), ("minimum", .number(0))]), string(size)]))
      ])
    case .flag:
      let words = (CreateOption.onWords + CreateOption.offWords).map(JSONValue.string)
      return .object([("anyOf", .array([.object([("type", .string("boolean"))]), .object([("enum", .array(words))])]))])
    case .choice(let words):
      // YAML reads "0.10" and "1.1" as numbers.
      let numbers = words.filter { Double($0) != nil }.map(JSONValue.decimal)
      return .object([("enum", .array(words.map(JSONValue.string) + numbers))])
    case .number:
      return .object([
        ("anyOf", .array([.object([("type", .string("integer")), ("minimum", .number(0))]), string(cNumber)]))
      ])
    case .name: return .object([("type", .string("string"))])
    }
  }

  /// What a header field is, from the field table.
  static func summary(of field: HeaderField) -> String {
    var text = "Header field at byte \(field.offset), \(field.width * 8) bits"
    if let implied = field.version2Value { text += "; version 3 headers only (version 2 implies \(implied))" }
    return text + "."
  }

  /// The feature groups and the bits QEMU knows in each.
  static func groupSummary() -> String {
    let groups = FeatureGroup.allCases.map { group in
      let bits = group.knownNames.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }
      return "\(group.rawValue) (\(group.field.name); QEMU knows \(bits.joined(separator: ", ")))"
    }
    return "One of " + groups.joined(separator: ", ") + "."
  }
}

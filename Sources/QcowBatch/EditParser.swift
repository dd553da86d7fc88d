import QcowCore

/// Turns qcow2.py-style words (`set-feature-bit incompatible 63`) into header edits, with
/// qcow2.py's messages for bad arguments.
enum EditParser {
  /// A bad argument, with the message to show.
  struct ArgumentError: Error {
    let message: String
  }

  /// The edit `operation` with `operands` describes.
  static func edit(_ operation: String, _ operands: [String]) throws(ArgumentError) -> HeaderEdit {
    guard let known = EditOperation(rawValue: operation) else {
      throw ArgumentError(
        message: "unknown operation '\(operation)'\(Suggestion.text(for: operation, among: EditOperation.names))")
    }
    guard known.hasOneLineForm else {
      throw ArgumentError(
        message: "'\(operation)' has no one-line form: write it as a mapping, e.g. '\(operation): {at: ...}'")
    }
    guard operands.count == known.operands.count else {
      throw ArgumentError(message: "usage: \(([operation] + known.operands.map(\.usage)).joined(separator: " "))")
    }
    switch known {
    case .setHeader:
      let value = try number(operands[1], invalid: "'\(operands[1])' is not a valid number")
      guard let field = HeaderField.all.first(where: { $0.name == operands[0] }) else {
        throw ArgumentError(message: "'\(operands[0])' is not a known header field")
      }
      guard let fitting = value.value, fitting <= field.maximum else {
        throw ArgumentError(
          message: "value \(value.description) does not fit header field '\(field.name)' (\(field.width * 8) bits)")
      }
      return .setField(field, fitting)
    case .setFeatureBit, .clearFeatureBit:
      let bit = try number(operands[1], invalid: "'\(operands[1])' is not a valid bit number in range [0, 64)")
      guard let value = bit.value, value < 64 else {
        throw ArgumentError(message: "'\(bit.description)' is not a valid bit number in range [0, 64)")
      }
      guard let group = FeatureGroup(rawValue: operands[0]) else {
        throw ArgumentError(
          message: "'\(operands[0])' is not a valid group, try 'incompatible', 'compatible', or 'autoclear'")
      }
      return known == .setFeatureBit ? .setFeatureBit(group, Int(value)) : .clearFeatureBit(group, Int(value))
    case .addHeaderExt:
      let magic = try magic(operands[0])
      guard magic != 0 else {
        throw ArgumentError(message: "magic 0 is the end-of-extensions marker, not an extension type")
      }
      return .addExtension(magic: magic, data: Array(operands[1].utf8))
    case .delHeaderExt:
      return .deleteExtensions(magic: try magic(operands[0]))
    default:
      throw ArgumentError(message: "'\(operation)' has no one-line form")
    }
  }

  /// Parses a one-line edit; the last operand takes the rest of the line (extension data may hold spaces).
  static func shorthand(_ line: String) throws(ArgumentError) -> HeaderEdit {
    let words = line.split(separator: " ", maxSplits: 1, omittingEmptySubsequences: true)
    guard let operation = words.first.map(String.init) else {
      throw ArgumentError(message: "empty edit")
    }
    let rest = words.count > 1 ? String(words[1]) : ""
    if let known = EditOperation(rawValue: operation), !known.hasOneLineForm {
      throw ArgumentError(
        message: "'\(operation)' has no one-line form: write it as a mapping, e.g. '\(operation): {...}'")
    }
    let operandCount = max(1, EditOperation(rawValue: operation)?.operands.count ?? 2)
    var operands = rest.split(separator: " ", maxSplits: operandCount - 1, omittingEmptySubsequences: true)
      .map(String.init)
    if operation == EditOperation.addHeaderExt.rawValue, operands.count == 1 { operands.append("") }
    return try edit(operation, operands)
  }

  /// Parses an extension magic: a number in 0..<2^32.
  static func magic(_ text: String) throws(ArgumentError) -> UInt32 {
    let number = try self.number(text, invalid: "'\(text)' is not a valid magic number")
    guard let value = number.value, let magic = UInt32(exactly: value) else {
      throw ArgumentError(message: "magic \(number.description) is outside 0..0xffffffff")
    }
    return magic
  }

  private static func number(_ text: String, invalid: String) throws(ArgumentError) -> PythonInteger {
    guard let number = PythonInteger(text) else { throw ArgumentError(message: invalid) }
    return number
  }
}

import ArgumentParser
import QcowCore
import SystemPackage

/// The seven commands of qcow2.py, with its argument checks and messages.
enum Qcow2Operation: String {
  case dumpHeader = "dump-header"
  case dumpHeaderExts = "dump-header-exts"
  case setHeader = "set-header"
  case addHeaderExt = "add-header-ext"
  case addHeaderExtStdio = "add-header-ext-stdio"
  case delHeaderExt = "del-header-ext"
  case setFeatureBit = "set-feature-bit"

  /// The operands the command takes, as its usage line names them.
  var operandNames: [String] {
    switch self {
    case .dumpHeader, .dumpHeaderExts: return []
    case .setHeader: return ["NAME", "VALUE"]
    case .addHeaderExt: return ["MAGIC", "DATA"]
    case .addHeaderExtStdio, .delHeaderExt: return ["MAGIC"]
    case .setFeatureBit: return ["GROUP", "BIT"]
    }
  }

  /// Runs the command on `image`; operands were counted by the caller.
  func run(image: String, operands: [String], json: Bool) throws {
    switch self {
    case .dumpHeader, .dumpHeaderExts:
      try ImageFile.withFile(image) { file in
        let dump = Qcow2PyDump(area: try HeaderArea(reading: file), file: file)
        print(self == .dumpHeader ? try dump.header(json: json) : try dump.extensions(json: json), terminator: "")
      }
    case .setHeader:
      let value = try Qcow2Operation.number(operands[1], invalid: "'\(operands[1])' is not a valid number")
      guard let field = HeaderField.qcow2Py.first(where: { $0.name == operands[0] }) else {
        try Qcow2Operation.fail("'\(operands[0])' is not a known header field")
      }
      guard let fitting = value.value, fitting <= field.maximum else {
        throw QcowError("value \(value.description) does not fit header field '\(field.name)' (\(field.width * 8) bits)")
      }
      try edit(image) { _ in .setField(field, fitting) }
    case .addHeaderExt:
      let magic = try Qcow2Operation.magic(operands[0])
      try edit(image) { _ in .addExtension(magic: magic, data: Array(operands[1].utf8)) }
    case .addHeaderExtStdio:
      let magic = try Qcow2Operation.magic(operands[0])
      let data = try StandardInput.readAll(limit: 1 << HeaderArea.clusterBitsRange.upperBound)
      try edit(image) { _ in .addExtension(magic: magic, data: data) }
    case .delHeaderExt:
      let magic = try Qcow2Operation.magic(operands[0])
      try edit(image) { area in
        guard area.extensions.contains(where: { $0.magic == magic }) else {
          print("No such header extension")
          return nil
        }
        return .deleteExtensions(magic: magic)
      }
    case .setFeatureBit:
      let invalid = "'\(operands[1])' is not a valid bit number in range [0, 64)"
      let bit = try Qcow2Operation.number(operands[1], invalid: invalid)
      guard let value = bit.value, value < 64 else {
        try Qcow2Operation.fail("'\(bit.description)' is not a valid bit number in range [0, 64)")
      }
      try edit(image) { _ in
        guard let group = FeatureGroup(rawValue: operands[0]) else {
          try Qcow2Operation.fail(
            "'\(operands[0])' is not a valid group, try 'incompatible', 'compatible', or 'autoclear'")
        }
        return .setFeatureBit(group, Int(value))
      }
    }
  }

  /// Reads the image, asks `makeEdit` for the edit (nil: nothing to write), applies it
  /// in memory, checks the result and writes it in one positioned write.
  private func edit(_ image: String, _ makeEdit: (HeaderArea) throws -> HeaderEdit?) throws {
    try ImageFile.withFile(image, writable: true) { file in
      var area = try HeaderArea(reading: file)
      guard let edit = try makeEdit(area) else { return }
      try area.apply(edit)
      try area.write(to: file)
    }
  }

  /// Parses a number in Python's syntax, printing `invalid` and failing when it is not one.
  private static func number(_ text: String, invalid: String) throws -> PythonInteger {
    guard let number = PythonInteger(text) else { try fail(invalid) }
    return number
  }

  /// Parses an extension magic: a number in 0..<2^32.
  private static func magic(_ text: String) throws -> UInt32 {
    let number = try self.number(text, invalid: "'\(text)' is not a valid magic number")
    guard let value = number.value, let magic = UInt32(exactly: value) else {
      throw QcowError("magic \(number.description) is outside 0..0xffffffff")
    }
    return magic
  }

  /// Prints qcow2.py's message on standard output and exits with status 1.
  private static func fail(_ message: String) throws -> Never {
    print(message)
    throw ExitCode.failure
  }
}

import ArgumentParser
import QcowCore

/// The seven commands of qcow2.py, with its argument checks and messages.
enum Qcow2Operation: String, CaseIterable {
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
        let area = try HeaderArea(reading: file)
        try area.checkReadable()
        let dump = Qcow2PyDump(area: area, file: file)
        print(self == .dumpHeader ? try dump.header(json: json) : try dump.extensions(json: json), terminator: "")
      }
    case .addHeaderExtStdio:
      let magic = try Qcow2Operation.parse { () throws(EditParser.ArgumentError) in try EditParser.magic(operands[0]) }
      // Standard input is read before the image, as qcow2.py does; an extension cannot hold more.
      let data = try StandardInput.readAll(limit: Int(UInt32.max))
      try edit(image, .addExtension(magic: magic, data: data))
    case .setHeader, .addHeaderExt, .delHeaderExt, .setFeatureBit:
      let edit = try Qcow2Operation.parse { () throws(EditParser.ArgumentError) in
        try EditParser.edit(rawValue, operands)
      }
      try self.edit(image, edit)
    }
  }

  /// Reads the image, applies `edit` in memory, checks the result and writes it in one
  /// positioned write. Deleting an extension the image lacks writes nothing, like qcow2.py.
  private func edit(_ image: String, _ edit: HeaderEdit) throws {
    try ImageFile.withFile(image, writable: true) { file in
      var area = try HeaderArea(reading: file)
      try area.checkReadable()
      if case .deleteExtensions(let magic) = edit, !area.extensions.contains(where: { $0.magic == magic }) {
        print("No such header extension")
        return
      }
      try area.apply(edit)
      try area.write(to: file)
    }
  }

  /// Runs `body`; on a bad argument prints qcow2.py's message on standard output and exits 1.
  private static func parse<T>(_ body: () throws(EditParser.ArgumentError) -> T) throws -> T {
    do {
      return try body()
    } catch {
      print(error.message)
      throw ExitCode.failure
    }
  }
}

import QcowCore

extension ManifestLoader {
  /// The image edit of `operation` with its keys: nil when the operation is a header edit,
  /// `.some(nil)` after reporting an error.
  mutating func imageEdit(_ operation: EditOperation, _ keys: [String: YAMLNode], body: YAMLNode) -> ImageEdit?? {
    switch operation {
    case .set:
      guard let atNode = keys["at"] else { return .some(nil) }
      let location = self.location(atNode)
      let fields = ImageEditFields.all.map(\.0).filter { keys[$0] != nil }
      if keys["value"] != nil && !fields.isEmpty {
        error(body.mark, "give 'value' or fields (\(fields.joined(separator: ", "))), not both")
        return .some(nil)
      }
      let change: ImageEdit.Change?
      if let valueNode = keys["value"] {
        change = expression(valueNode, what: "value").map(ImageEdit.Change.value)
      } else if fields.isEmpty {
        error(body.mark, "give 'value' or at least one field to set")
        return .some(nil)
      } else {
        let values = fields.compactMap { name in
          keys[name].flatMap { flagOrExpression($0, what: name) }.map { ImageEdit.FieldValue(name: name, value: $0) }
        }
        change = values.count == fields.count ? .fields(values) : nil
      }
      guard let location, let change else { return .some(nil) }
      return .some(.set(location, change))
    case .poke:
      guard let atNode = keys["at"] else { return .some(nil) }
      let at = expression(atNode, what: "at")
      let given = operation.mapping.exclusive.filter { keys[$0] != nil }
      guard given.count == 1, let name = given.first, let dataNode = keys[name] else {
        error(
          body.mark,
          given.isEmpty
            ? "give the bytes: 'hex', 'u8', 'u16', 'u32' or 'u64'"
            : "give one of \(given.joined(separator: ", ")), not several")
        return .some(nil)
      }
      let bytes: ImageEdit.Bytes?
      if name == "hex" {
        bytes = string(dataNode, what: "hex").flatMap { text in
          guard let decoded = HexText.decode(text), !decoded.isEmpty else {
            error(dataNode.mark, "'hex' must be a non-empty even number of hex digits (spaces allowed), got '\(text)'")
            return nil
          }
          return .raw(decoded)
        }
      } else {
        let width = (Int(name.dropFirst()) ?? 8) / 8
        bytes = expression(dataNode, what: name).map { .integer($0, width: width) }
      }
      guard let at, let bytes else { return .some(nil) }
      return .some(.poke(at: at, bytes))
    case .fill:
      guard let atNode = keys["at"], let lengthNode = keys["length"], let byteNode = keys["byte"] else {
        return .some(nil)
      }
      let at = expression(atNode, what: "at")
      let length = expression(lengthNode, what: "length")
      let byte = number(byteNode, what: "byte").flatMap { value -> UInt8? in
        guard let byte = UInt8(exactly: value) else {
          error(byteNode.mark, "byte \(value) is out of range (0 to 255)")
          return nil
        }
        return byte
      }
      guard let at, let length, let byte else { return .some(nil) }
      return .some(.fill(at: at, length: length, byte: byte))
    case .truncate:
      guard let sizeNode = keys["size"] else { return .some(nil) }
      return .some(expression(sizeNode, what: "size").map { .truncate(size: $0) })
    case .setBackingFile:
      guard let fileNode = keys["file"], let file = string(fileNode, what: "file") else { return .some(nil) }
      let format = keys["format"].flatMap { string($0, what: "format") }
      if keys["format"] != nil && format == nil { return .some(nil) }
      return .some(.setBackingFile(file: Array(file.utf8), format: format.map { Array($0.utf8) }))
    case .setDataFile:
      guard let fileNode = keys["file"], let file = string(fileNode, what: "file") else { return .some(nil) }
      return .some(.setDataFile(Array(file.utf8)))
    case .setHeader, .setFeatureBit, .clearFeatureBit, .addHeaderExt, .delHeaderExt, .setFeatureName,
      .delFeatureName:
      return nil
    }
  }

  /// A location written as a string; a syntax error is marked at its character.
  private mutating func location(_ node: YAMLNode) -> Location? {
    guard let text = string(node, what: "at") else { return nil }
    do {
      return try LocationParser.location(text)
    } catch {
      self.error(mark(node, column: error.column), "bad location '\(text)': \(error.message)")
      return nil
    }
  }

  /// A number or an offset expression; a syntax error is marked at its character.
  private mutating func expression(_ node: YAMLNode, what: String) -> OffsetExpression? {
    guard let text = string(node, what: what) else { return nil }
    do {
      return try LocationParser.expression(text)
    } catch {
      self.error(mark(node, column: error.column), "bad \(what) '\(text)': \(error.message)")
      return nil
    }
  }

  /// A field value: `true` and `false` stand for 1 and 0 (flags), anything else is an expression.
  private mutating func flagOrExpression(_ node: YAMLNode, what: String) -> OffsetExpression? {
    switch node.scalar {
    case "true", "True", "TRUE": return .number(1)
    case "false", "False", "FALSE": return .number(0)
    default: return expression(node, what: what)
    }
  }

  /// The mark of the character at 1-based `column` of a scalar's text.
  private func mark(_ node: YAMLNode, column: Int) -> YAMLMark {
    YAMLMark(line: node.mark.line, column: node.mark.column + node.contentOffset + column - 1, length: 1)
  }
}

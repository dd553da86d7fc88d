/// Parses locations (`l2[vaddr=1M + 64k]`, `snapshot[name=sn1].l1_size`) and offset
/// expressions (`@refcount_table + 14`). Errors give the 1-based column of the offending
/// character.
public struct LocationParser {
  /// A syntax error at a column of the text.
  public struct SyntaxError: Error, Sendable, Equatable {
    /// 1-based column of the offending character.
    public let column: Int
    /// What is wrong there.
    public let message: String
  }

  private let text: [Character]
  private var position = 0

  private init(_ text: String) {
    self.text = Array(text)
  }

  /// The location `text` names.
  public static func location(_ text: String) throws(SyntaxError) -> Location {
    var parser = LocationParser(text)
    let location = try parser.location()
    try parser.expectEnd()
    return location
  }

  /// The offset expression `text` holds.
  public static func expression(_ text: String) throws(SyntaxError) -> OffsetExpression {
    var parser = LocationParser(text)
    let expression = try parser.expression()
    try parser.expectEnd()
    return expression
  }

  // MARK: Grammar

  private mutating func location() throws(SyntaxError) -> Location {
    skipSpaces()
    let start = position
    let name = word()
    switch name {
    case "l1":
      return .l1(try bracketed { (parser: inout LocationParser) throws(SyntaxError) in try parser.expression() })
    case "l2":
      return .l2(
        vaddr: try bracketed { (parser: inout LocationParser) throws(SyntaxError) in try parser.keyed("vaddr") })
    case "refcount_table":
      return .refcountTable(
        try bracketed { (parser: inout LocationParser) throws(SyntaxError) in try parser.expression() })
    case "refcount":
      return try bracketed { (parser: inout LocationParser) throws(SyntaxError) in try parser.refcountTarget() }
    case "snapshot":
      let selector = try bracketed { (parser: inout LocationParser) throws(SyntaxError) in
        try parser.selector(keys: ["id", "name"])
      }
      try expect(".")
      let fieldStart = position
      let field = word()
      if field == "l1" {
        return .snapshotL1(
          selector, try bracketed { (parser: inout LocationParser) throws(SyntaxError) in try parser.expression() })
      }
      guard let record = RecordField.snapshot.first(where: { $0.name == field }) else {
        throw fail(
          at: fieldStart, unknown: field, what: "snapshot field", among: RecordField.snapshot.map(\.name) + ["l1"])
      }
      return .snapshotField(selector, record)
    case "bitmap":
      let selector = try bracketed { (parser: inout LocationParser) throws(SyntaxError) in
        try parser.selector(keys: ["name"])
      }
      try expect(".")
      let fieldStart = position
      let field = word()
      guard let record = RecordField.bitmapDirectory.first(where: { $0.name == field }) else {
        throw fail(
          at: fieldStart, unknown: field, what: "bitmap field", among: RecordField.bitmapDirectory.map(\.name))
      }
      return .bitmapField(selector, record)
    default:
      throw fail(
        at: start, unknown: name, what: "location",
        among: ["l1", "l2", "refcount_table", "refcount", "snapshot", "bitmap"])
    }
  }

  private mutating func refcountTarget() throws(SyntaxError) -> Location {
    skipSpaces()
    let start = position
    let key = word()
    try expect("=")
    switch key {
    case "cluster": return .refcountCluster(try expression())
    case "host":
      let first = try expression()
      guard peek("..") else { return .refcountHost(first, end: nil) }
      position += 2
      return .refcountHost(first, end: try expression())
    default: throw fail(at: start, unknown: key, what: "refcount key", among: ["cluster", "host"])
    }
  }

  private mutating func selector(keys: [String]) throws(SyntaxError) -> Location.Selector {
    skipSpaces()
    let start = position
    let key = word()
    guard !key.isEmpty, position < text.count, text[position] == "=" else {
      position = start
      return .index(try expression())
    }
    guard keys.contains(key) else { throw fail(at: start, unknown: key, what: "selector", among: keys) }
    position += 1
    var value = ""
    while position < text.count, text[position] != "]" {
      value.append(text[position])
      position += 1
    }
    guard !value.isEmpty else { throw SyntaxError(column: position + 1, message: "expected a \(key) after '='") }
    return key == "id" ? .id(value) : .name(value)
  }

  /// `KEY=EXPRESSION`.
  private mutating func keyed(_ key: String) throws(SyntaxError) -> OffsetExpression {
    skipSpaces()
    let start = position
    let found = word()
    guard found == key else { throw SyntaxError(column: start + 1, message: "expected '\(key)='") }
    try expect("=")
    return try expression()
  }

  private mutating func expression() throws(SyntaxError) -> OffsetExpression {
    var terms: [OffsetExpression.Term] = []
    var negative = false
    while true {
      skipSpaces()
      let column = position + 1
      terms.append(OffsetExpression.Term(negative: negative, value: try term(), column: column))
      skipSpaces()
      guard position < text.count, text[position] == "+" || text[position] == "-" else { break }
      negative = text[position] == "-"
      position += 1
    }
    return OffsetExpression(terms: terms)
  }

  private mutating func term() throws(SyntaxError) -> OffsetExpression.Value {
    guard position < text.count else {
      throw SyntaxError(column: position + 1, message: "expected a number, 'cluster' or an @structure")
    }
    let start = position
    if text[position] == "@" {
      position += 1
      return .structure(try structure(start: start))
    }
    if text[position].isNumber {
      return .number(try number())
    }
    let name = word()
    guard name == "cluster" else {
      if name.isEmpty {
        throw SyntaxError(
          column: start + 1, message: "unexpected '\(text[start])': expected a number, 'cluster' or an @structure")
      }
      throw fail(at: start, unknown: name, what: "term", among: ["cluster"])
    }
    return .cluster
  }

  private mutating func structure(start: Int) throws(SyntaxError) -> OffsetExpression.Structure {
    let name = word()
    switch name {
    case "l1_table": return .l1Table
    case "refcount_table": return .refcountTable
    case "snapshot_table": return .snapshotTable
    case "bitmap_directory": return .bitmapDirectory
    case "eof": return .eof
    case "refcount_block":
      return .refcountBlock(
        try bracketed { (parser: inout LocationParser) throws(SyntaxError) in try parser.expression() })
    case "l2_table":
      return .l2Table(
        vaddr: try bracketed { (parser: inout LocationParser) throws(SyntaxError) in try parser.keyed("vaddr") })
    case "data":
      return .data(
        vaddr: try bracketed { (parser: inout LocationParser) throws(SyntaxError) in try parser.keyed("vaddr") })
    case "snapshot":
      let index = try bracketed { (parser: inout LocationParser) throws(SyntaxError) in try parser.expression() }
      try expect(".")
      let fieldStart = position
      guard word() == "l1_table" else {
        throw SyntaxError(column: fieldStart + 1, message: "expected 'l1_table' after '@snapshot[N].'")
      }
      return .snapshotL1Table(index)
    default:
      throw fail(
        at: start, unknown: "@" + name, what: "structure",
        among: [
          "@l1_table", "@refcount_table", "@snapshot_table", "@bitmap_directory", "@eof", "@refcount_block[N]",
          "@l2_table[vaddr=V]", "@data[vaddr=V]", "@snapshot[N].l1_table",
        ])
    }
  }

  /// A number in qcow2.py's syntax with an optional binary size suffix (k, M, G, T).
  private mutating func number() throws(SyntaxError) -> UInt64 {
    let start = position
    var digits = ""
    while position < text.count, text[position].isLetter || text[position].isNumber || text[position] == "_" {
      digits.append(text[position])
      position += 1
    }
    let suffixes: [Character: UInt64] = ["k": 10, "K": 10, "m": 20, "M": 20, "g": 30, "G": 30, "t": 40, "T": 40]
    if let last = digits.last, let shift = suffixes[last], let base = PythonInteger(String(digits.dropLast()))?.value {
      let (scaled, overflow) = base.multipliedReportingOverflow(by: 1 << shift)
      guard !overflow else {
        throw SyntaxError(column: start + 1, message: "'\(digits)' is more than 2^64-1")
      }
      return scaled
    }
    guard let parsed = PythonInteger(digits) else {
      throw SyntaxError(column: start + 1, message: "'\(digits)' is not a valid number")
    }
    guard let value = parsed.value else {
      throw SyntaxError(column: start + 1, message: "'\(digits)' is out of range (0 to 2^64-1)")
    }
    return value
  }

  // MARK: Characters

  private mutating func bracketed<T>(_ body: (inout LocationParser) throws(SyntaxError) -> T) throws(SyntaxError) -> T {
    try expect("[")
    let value = try body(&self)
    try expect("]")
    return value
  }

  private mutating func word() -> String {
    var result = ""
    while position < text.count, text[position].isLetter || text[position].isNumber || text[position] == "_" {
      result.append(text[position])
      position += 1
    }
    return result
  }

  private func peek(_ token: String) -> Bool {
    let characters = Array(token)
    guard position + characters.count <= text.count else { return false }
    return Array(text[position..<position + characters.count]) == characters
  }

  private mutating func skipSpaces() {
    while position < text.count, text[position] == " " { position += 1 }
  }

  private mutating func expect(_ token: Character) throws(SyntaxError) {
    skipSpaces()
    guard position < text.count, text[position] == token else {
      let found = position < text.count ? "'\(text[position])'" : "the end"
      throw SyntaxError(column: position + 1, message: "expected '\(token)', found \(found)")
    }
    position += 1
  }

  private mutating func expectEnd() throws(SyntaxError) {
    skipSpaces()
    guard position >= text.count else {
      throw SyntaxError(column: position + 1, message: "unexpected '\(text[position])' after the end")
    }
  }

  private func fail(at start: Int, unknown name: String, what: String, among choices: [String]) -> SyntaxError {
    guard !name.isEmpty else {
      let found = start < text.count ? "'\(text[start])'" : "the end"
      return SyntaxError(column: start + 1, message: "expected a \(what), found \(found)")
    }
    let list = choices.map { "'\($0)'" }.joined(separator: ", ")
    return SyntaxError(column: start + 1, message: "unknown \(what) '\(name)' (one of \(list))")
  }
}

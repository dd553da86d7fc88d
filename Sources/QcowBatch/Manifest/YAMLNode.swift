/// A 1-based position in a YAML file, with the extent of the node that starts there when known.
/// Marks compare by position only.
struct YAMLMark: Sendable, Comparable {
  let line: Int
  let column: Int
  /// How many columns the node covers, when it ends on the line it starts on; nil otherwise.
  let length: Int?

  init(line: Int, column: Int, length: Int? = nil) {
    self.line = line
    self.column = column
    self.length = length
  }

  static func == (lhs: YAMLMark, rhs: YAMLMark) -> Bool {
    (lhs.line, lhs.column) == (rhs.line, rhs.column)
  }

  static func < (lhs: YAMLMark, rhs: YAMLMark) -> Bool {
    (lhs.line, lhs.column) < (rhs.line, rhs.column)
  }
}

/// A node of a loaded YAML document, with aliases resolved and `<<` merge keys applied.
struct YAMLNode: Sendable {
  /// The node's content.
  indirect enum Content: Sendable {
    case scalar(String)
    case sequence([YAMLNode])
    case mapping([(key: YAMLNode, value: YAMLNode)])
  }

  let content: Content
  /// Where the node starts in the file.
  let mark: YAMLMark
  /// Columns between the node's mark and its text: 1 for a quoted scalar, else 0.
  var contentOffset = 0

  /// The scalar text, if the node is a scalar.
  var scalar: String? {
    if case .scalar(let text) = content { return text }
    return nil
  }

  /// What kind of node this is, for messages.
  var kindName: String {
    switch content {
    case .scalar: return "a scalar"
    case .sequence: return "a sequence"
    case .mapping: return "a mapping"
    }
  }
}

/// A YAML syntax or structure error at a position, with notes on related places.
struct YAMLError: Error {
  let mark: YAMLMark
  let message: String
  var notes: [ManifestDiagnostic.Note] = []
}

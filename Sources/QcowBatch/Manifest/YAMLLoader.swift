internal import CYAML

/// Loads a YAML document with libyaml; the only place that touches libyaml's C types.
enum YAMLLoader {
  /// The most nodes a document may expand to once aliases are resolved.
  static let nodeBudget = 1_000_000
  /// The deepest nesting accepted.
  static let depthLimit = 64

  /// Parses `bytes` as a single YAML document; nil when the stream holds no document.
  static func load(_ bytes: [UInt8]) throws(YAMLError) -> YAMLNode? {
    var parser = yaml_parser_t()
    guard yaml_parser_initialize(&parser) != 0 else {
      throw YAMLError(mark: YAMLMark(line: 1, column: 1), message: "cannot initialize the YAML parser")
    }
    defer { yaml_parser_delete(&parser) }
    return try bytes.withUnsafeBufferPointer { (buffer) throws(YAMLError) -> YAMLNode? in
      yaml_parser_set_input_string(&parser, buffer.baseAddress, buffer.count)
      var document = yaml_document_t()
      guard yaml_parser_load(&parser, &document) != 0 else { throw parserError(parser) }
      defer { yaml_document_delete(&document) }
      guard yaml_document_get_root_node(&document) != nil else { return nil }
      var converter = Converter(document: &document)
      let root = try converter.node(1, depth: 0)
      var next = yaml_document_t()
      guard yaml_parser_load(&parser, &next) != 0 else { throw parserError(parser) }
      defer { yaml_document_delete(&next) }
      if let extra = yaml_document_get_root_node(&next) {
        throw YAMLError(
          mark: mark(extra.pointee.start_mark, to: extra.pointee.end_mark),
          message: "a manifest holds one YAML document, found a second")
      }
      return root
    }
  }

  private static func mark(_ mark: yaml_mark_t) -> YAMLMark {
    YAMLMark(line: Int(mark.line) + 1, column: Int(mark.column) + 1)
  }

  /// The mark of a node from `start` to `end` (exclusive), with its length when it ends on its line.
  private static func mark(_ start: yaml_mark_t, to end: yaml_mark_t) -> YAMLMark {
    let length = end.line == start.line && end.column > start.column ? Int(end.column - start.column) : nil
    return YAMLMark(line: Int(start.line) + 1, column: Int(start.column) + 1, length: length)
  }

  private static func parserError(_ parser: yaml_parser_t) -> YAMLError {
    let problem = parser.problem.map { String(cString: $0) } ?? "invalid YAML"
    let at = mark(parser.problem_mark)
    // The context names what was open, and where, e.g. the unclosed flow mapping.
    let context = parser.context.map { String(cString: $0) }
    let start = mark(parser.context_mark)
    let place = start == at ? "" : " started at line \(start.line), column \(start.column)"
    let message = "YAML syntax error: " + (context.map { $0 + place + ": " } ?? "") + problem
    guard let context, start != at else { return YAMLError(mark: at, message: message) }
    return YAMLError(mark: at, message: message, notes: [.init(mark: start, message: startedHere(context))])
  }

  /// "the flow mapping started here" for libyaml's context "while parsing a flow mapping".
  private static func startedHere(_ context: String) -> String {
    var what = Substring(context)
    for prefix in ["while parsing ", "while scanning "] where what.hasPrefix(prefix) {
      what = what.dropFirst(prefix.count)
    }
    for article in ["a ", "an "] where what.hasPrefix(article) {
      what = "the " + what.dropFirst(article.count)
    }
    return what + " started here"
  }

  /// Turns libyaml's node table into `YAMLNode`s, sharing aliased nodes and bounding expansion.
  private struct Converter {
    let document: UnsafeMutablePointer<yaml_document_t>
    var done: [Int32: YAMLNode] = [:]
    /// The nodes being converted, outermost first: a node met again among them is in a cycle.
    var open: [(index: Int32, mark: YAMLMark, kind: String)] = []
    var expanded = 0

    init(document: UnsafeMutablePointer<yaml_document_t>) {
      self.document = document
    }

    mutating func node(_ index: Int32, depth: Int) throws(YAMLError) -> YAMLNode {
      guard let pointer = yaml_document_get_node(document, index) else {
        throw YAMLError(mark: YAMLMark(line: 1, column: 1), message: "YAML node \(index) is missing")
      }
      let raw = pointer.pointee
      let at = YAMLLoader.mark(raw.start_mark, to: raw.end_mark)
      if let known = done[index] { return try count(known) }
      guard depth < YAMLLoader.depthLimit else {
        throw YAMLError(mark: at, message: "nesting deeper than \(YAMLLoader.depthLimit) levels")
      }
      if let first = open.firstIndex(where: { $0.index == index }) {
        let notes = open[(first + 1)...].map {
          ManifestDiagnostic.Note(mark: $0.mark, message: "the cycle goes through this \($0.kind)")
        }
        throw YAMLError(mark: at, message: "an alias refers to a node that contains it", notes: notes)
      }
      let kind = raw.type == YAML_MAPPING_NODE ? "mapping" : raw.type == YAML_SEQUENCE_NODE ? "sequence" : "scalar"
      open.append((index, at, kind))
      defer { open.removeLast() }
      let result: YAMLNode
      switch raw.type {
      case YAML_SCALAR_NODE:
        let scalar = raw.data.scalar
        let text = UnsafeBufferPointer(start: scalar.value, count: scalar.length)
        let quoted = scalar.style == YAML_SINGLE_QUOTED_SCALAR_STYLE || scalar.style == YAML_DOUBLE_QUOTED_SCALAR_STYLE
        result = YAMLNode(
          content: .scalar(String(decoding: text, as: UTF8.self)), mark: at, contentOffset: quoted ? 1 : 0)
      case YAML_SEQUENCE_NODE:
        var items: [YAMLNode] = []
        var item = raw.data.sequence.items.start
        while let current = item, current != raw.data.sequence.items.top {
          items.append(try node(current.pointee, depth: depth + 1))
          item = current + 1
        }
        result = YAMLNode(content: .sequence(items), mark: at)
      case YAML_MAPPING_NODE:
        var pairs: [(key: YAMLNode, value: YAMLNode)] = []
        var pair = raw.data.mapping.pairs.start
        while let current = pair, current != raw.data.mapping.pairs.top {
          pairs.append(
            (try node(current.pointee.key, depth: depth + 1), try node(current.pointee.value, depth: depth + 1)))
          pair = current + 1
        }
        result = YAMLNode(content: .mapping(try YAMLLoader.merged(pairs)), mark: at)
      default:
        throw YAMLError(mark: at, message: "empty YAML node")
      }
      done[index] = result
      return try count(result)
    }

    private mutating func count(_ node: YAMLNode) throws(YAMLError) -> YAMLNode {
      expanded += 1
      guard expanded <= YAMLLoader.nodeBudget else {
        throw YAMLError(mark: node.mark, message: "the document expands to more than \(YAMLLoader.nodeBudget) nodes")
      }
      return node
    }
  }

  /// Applies `<<` merge keys: pairs from the merged mappings that the mapping does not set itself.
  static func merged(_ pairs: [(key: YAMLNode, value: YAMLNode)]) throws(YAMLError) -> [(
    key: YAMLNode, value: YAMLNode
  )] {
    guard pairs.contains(where: { $0.key.scalar == "<<" }) else { return pairs }
    var own = pairs.filter { $0.key.scalar != "<<" }
    var inherited: [(key: YAMLNode, value: YAMLNode)] = []
    for merge in pairs where merge.key.scalar == "<<" {
      let sources: [YAMLNode]
      switch merge.value.content {
      case .mapping: sources = [merge.value]
      case .sequence(let items): sources = items
      case .scalar:
        throw YAMLError(
          mark: merge.value.mark, message: "'<<' merges a mapping or a sequence of mappings, not a scalar")
      }
      for source in sources {
        guard case .mapping(let sourcePairs) = source.content else {
          throw YAMLError(mark: source.mark, message: "'<<' merges mappings, found \(source.kindName)")
        }
        for pair in sourcePairs {
          let key = pair.key.scalar
          let taken = own.contains { $0.key.scalar == key } || inherited.contains { $0.key.scalar == key }
          if key == nil || !taken { inherited.append(pair) }
        }
      }
    }
    own.append(contentsOf: inherited)
    return own
  }
}

import QcowCore

/// Reads a manifest file and checks its structure, collecting every error it finds.
struct ManifestLoader {
  /// The largest payload an `add-header-ext` `file:` may name (the largest cluster).
  static let payloadLimit = Int(UInt32.max)
  /// The most edits one image may have once shared lists are expanded.
  static let editLimit = 100_000

  private(set) var diagnostics: [ManifestDiagnostic] = []
  private let directory: String
  /// The targets of the entries that make their file, canonical: a `from` may name one (it
  /// is built first).
  private var entryTargets: Set<String> = []

  private init(directory: String) {
    self.directory = directory
  }

  /// Loads `file`; returns the manifest, or every error found in it.
  static func load(_ file: String) -> Result<Manifest, ManifestDiagnostic.List> {
    let directory = ManifestPaths.directory(of: file)
    let bytes: [UInt8]
    do {
      bytes = try ManifestPaths.readFile(file, limit: 16 << 20)
    } catch {
      return .failure(
        ManifestDiagnostic.List(
          diagnostics: [ManifestDiagnostic(mark: nil, message: "cannot read the manifest: \(error)")], source: nil))
    }
    let source = ManifestSource(bytes)
    let root: YAMLNode?
    do {
      root = try YAMLLoader.load(bytes)
    } catch {
      let diagnostic = ManifestDiagnostic(mark: error.mark, message: error.message, notes: error.notes)
      return .failure(ManifestDiagnostic.List(diagnostics: [diagnostic], source: source))
    }
    var loader = ManifestLoader(directory: directory)
    let images = loader.document(root)
    if loader.diagnostics.isEmpty, let images {
      return .success(Manifest(file: file, directory: directory, images: images, source: source))
    }
    let sorted = loader.diagnostics.enumerated().sorted { lhs, rhs in
      let left = lhs.element.mark ?? YAMLMark(line: .max, column: 0)
      let right = rhs.element.mark ?? YAMLMark(line: .max, column: 0)
      return left == right ? lhs.offset < rhs.offset : left < right
    }
    return .failure(ManifestDiagnostic.List(diagnostics: sorted.map(\.element), source: source))
  }

  mutating func error(_ mark: YAMLMark?, _ message: String, notes: [ManifestDiagnostic.Note] = []) {
    diagnostics.append(ManifestDiagnostic(mark: mark, message: message, notes: notes))
  }

  /// Reports a second `key` at `mark`, with a note where the first one is.
  private mutating func duplicate(_ key: String, at mark: YAMLMark, first: YAMLMark?) {
    let notes = first.map { [ManifestDiagnostic.Note(mark: $0, message: "the first '\(key)' is here")] } ?? []
    error(mark, "duplicate key '\(key)'", notes: notes)
  }

  private mutating func document(_ root: YAMLNode?) -> [ManifestImage]? {
    guard let root else {
      error(YAMLMark(line: 1, column: 1), "the manifest is empty: expected 'version' and 'images'")
      return nil
    }
    guard let keys = mapping(root, ManifestMapping.document) else { return nil }
    if let version = keys["version"] {
      if let number = self.number(version, what: "version"), number != 1 {
        error(version.mark, "unsupported manifest version \(number); this qcow-batch reads version 1")
      }
    }
    guard let list = keys["images"] else { return nil }
    guard case .sequence(let items) = list.content else {
      error(list.mark, "'images' must be a sequence, found \(list.kindName)")
      return nil
    }
    if items.isEmpty { error(list.mark, "'images' is empty") }
    for item in items {
      // Entries that make their file (from or create): one edited in place names a file that
      // must exist anyway.
      guard case .mapping(let pairs) = item.content,
        pairs.contains(where: { $0.key.scalar == "from" || $0.key.scalar == "create" }),
        let path = pairs.first(where: { $0.key.scalar == "path" })?.value.scalar,
        let target = ManifestPaths.canonicalTarget(ManifestPaths.resolve(path, in: directory))
      else { continue }
      entryTargets.insert(target)
    }
    return items.compactMap { image($0) }
  }

  private mutating func image(_ node: YAMLNode) -> ManifestImage? {
    guard let keys = mapping(node, ManifestMapping.image) else { return nil }
    let path = keys["path"].flatMap { located(string: $0, what: "path") }
    let from = keys["from"].flatMap { located(string: $0, what: "from") }
    let create = keys["create"].flatMap { creation($0) }
    if let createNode = keys["create"], keys["from"] != nil {
      error(createNode.mark, "give 'from' or 'create', not both")
    }
    if let from, !namesEntry(from.value),
      let problem = ManifestPaths.fileProblem(ManifestPaths.resolve(from.value, in: directory))
    {
      error(from.mark, "'from' image '\(from.value)' \(problem)")
    }
    if from == nil, keys["create"] == nil, let path,
      let problem = ManifestPaths.fileProblem(ManifestPaths.resolve(path.value, in: directory))
    {
      let hint = problem == ManifestPaths.missing ? " (give 'from' or 'create' to make it)" : ""
      error(path.mark, "image '\(path.value)' \(problem)\(hint)")
    }
    let setup = keys["setup"].map { setupSteps($0) } ?? []
    let expect = keys["expect"].map { expectations($0) } ?? []
    var edits: [ManifestImage.Located<ManifestEdit>] = []
    if let list = keys["edits"], !collectEdits(list, into: &edits) {
      error(list.mark, "more than \(ManifestLoader.editLimit) edits for one image once shared lists are expanded")
    }
    guard let path else { return nil }
    return ManifestImage(
      path: path, from: from, create: create, setup: setup, expect: expect, edits: edits, mark: node.mark)
  }

  /// Whether `path` is another entry's target.
  private func namesEntry(_ path: String) -> Bool {
    ManifestPaths.canonicalTarget(ManifestPaths.resolve(path, in: directory)).map(entryTargets.contains) ?? false
  }

  /// The `create` mapping: qemu-img create options by name, scalars only.
  private mutating func creation(_ node: YAMLNode) -> ManifestImage.Located<CreateOptions>? {
    guard case .mapping(let pairs) = node.content else {
      error(node.mark, "'create' must be a mapping of qemu-img create options, found \(node.kindName)")
      return nil
    }
    var options = CreateOptions()
    var seen: [String: YAMLMark] = [:]
    var valid = true
    for pair in pairs {
      guard let name = pair.key.scalar else {
        error(pair.key.mark, "keys must be scalars, found \(pair.key.kindName)")
        valid = false
        continue
      }
      guard CreateOptions.names.contains(name) else {
        error(pair.key.mark, "unknown create option '\(name)'\(Suggestion.text(for: name, among: CreateOptions.names))")
        valid = false
        continue
      }
      guard seen[name] == nil else {
        duplicate(name, at: pair.key.mark, first: seen[name])
        valid = false
        continue
      }
      seen[name] = pair.key.mark
      guard let value = string(pair.value, what: name) else {
        valid = false
        continue
      }
      do {
        try options.set(name, value)
      } catch {
        self.error(pair.value.mark, "\(error)")
        valid = false
      }
    }
    if seen["size"] == nil && seen["backing_file"] == nil {
      error(node.mark, "'create' needs a 'size' (or a 'backing_file' to take it from)")
      valid = false
    }
    return valid ? ManifestImage.Located(value: options, mark: node.mark) : nil
  }

  private mutating func expectations(_ node: YAMLNode) -> [ManifestImage.Located<(HeaderField, UInt64)>] {
    guard case .mapping(let pairs) = node.content else {
      error(node.mark, "'expect' must be a mapping of header fields to values, found \(node.kindName)")
      return []
    }
    var seen: [String: YAMLMark] = [:]
    return pairs.compactMap { pair in
      guard let name = pair.key.scalar, let field = headerField(name, at: pair.key.mark) else {
        if pair.key.scalar == nil { error(pair.key.mark, "header field names are scalars") }
        return nil
      }
      guard seen[name] == nil else {
        duplicate(name, at: pair.key.mark, first: seen[name])
        return nil
      }
      seen[name] = pair.key.mark
      guard let value = fieldValue(pair.value, field: field) else { return nil }
      return ManifestImage.Located(value: (field, value), mark: pair.key.mark)
    }
  }

  /// Adds the edits of `node` (a sequence; nested sequences from shared lists are flattened).
  /// Returns false, having stopped, when the edits would pass `editLimit`.
  private mutating func collectEdits(_ node: YAMLNode, into edits: inout [ManifestImage.Located<ManifestEdit>]) -> Bool
  {
    guard case .sequence(let items) = node.content else {
      error(node.mark, "'edits' must be a sequence, found \(node.kindName)")
      return true
    }
    for item in items {
      guard edits.count < ManifestLoader.editLimit else { return false }
      switch item.content {
      case .sequence: guard collectEdits(item, into: &edits) else { return false }
      case .scalar(let line):
        do {
          edits.append(ManifestImage.Located(value: .header(try EditParser.shorthand(line)), mark: item.mark))
        } catch {
          self.error(item.mark, error.message)
        }
      case .mapping:
        if let edit = structuredEdit(item) { edits.append(ManifestImage.Located(value: edit, mark: item.mark)) }
      }
    }
    return true
  }

  private mutating func structuredEdit(_ node: YAMLNode) -> ManifestEdit? {
    guard case .mapping(let pairs) = node.content, pairs.count == 1, let pair = pairs.first,
      let operation = pair.key.scalar
    else {
      error(node.mark, "an edit is a mapping with one operation key, e.g. 'set-header: {field: l1_size, value: 4}'")
      return nil
    }
    guard let known = EditOperation(rawValue: operation) else {
      error(
        pair.key.mark,
        "unknown operation '\(operation)'\(Suggestion.text(for: operation, among: EditOperation.names))")
      return nil
    }
    let body = pair.value
    if known.acceptsNull, let text = body.scalar, ["", "~", "null", "Null", "NULL"].contains(text) {
      return .image(.setBackingFile(file: nil, format: nil))
    }
    guard let keys = mapping(body, known.mapping) else { return nil }
    if let edit = imageEdit(known, keys, body: body) { return edit.map(ManifestEdit.image) }
    return headerEdit(known, keys, body: body).map(ManifestEdit.header)
  }

  /// The header edit of `operation` with its keys; nil after reporting an error.
  private mutating func headerEdit(_ known: EditOperation, _ keys: [String: YAMLNode], body: YAMLNode) -> HeaderEdit? {
    switch known {
    case .setHeader:
      // The field and the value are checked apart, so that both errors are reported.
      let field = keys["field"].flatMap { node in
        string(node, what: "field").flatMap { headerField($0, at: node.mark) }
      }
      guard let valueNode = keys["value"] else { return nil }
      guard let field else {
        _ = number(valueNode, what: "value")
        return nil
      }
      return fieldValue(valueNode, field: field).map { .setField(field, $0) }
    case .setFeatureBit, .clearFeatureBit:
      let group = keys["group"].flatMap { featureGroup($0) }
      let bit = keys["bit"].flatMap { featureBit($0) }
      guard let group, let bit else { return nil }
      return known == .setFeatureBit ? .setFeatureBit(group, bit) : .clearFeatureBit(group, bit)
    case .addHeaderExt:
      guard let magicNode = keys["magic"], let magic = self.magic(magicNode) else { return nil }
      let sources = known.mapping.exclusive.filter { keys[$0] != nil }
      guard sources.count <= 1 else {
        let given = sources.dropLast().joined(separator: ", ") + " and " + (sources.last ?? "")
        error(body.mark, "give one of 'data', 'hex' or 'file', not \(given)")
        return nil
      }
      guard let payload = payload(keys) else { return nil }
      return .addExtension(magic: magic, data: payload)
    case .delHeaderExt:
      guard let magicNode = keys["magic"], let magic = self.magic(magicNode) else { return nil }
      return .deleteExtensions(magic: magic)
    case .setFeatureName, .delFeatureName:
      let group = keys["group"].flatMap { featureGroup($0) }
      let bit = keys["bit"].flatMap { featureBit($0) }
      guard let group, let bit else { return nil }
      if known == .delFeatureName { return .deleteFeatureName(group, bit) }
      guard let nameNode = keys["name"], let name = string(nameNode, what: "name") else { return nil }
      guard name.utf8.count <= 46 else {
        error(nameNode.mark, "a feature name holds at most 46 bytes, '\(name)' has \(name.utf8.count)")
        return nil
      }
      return .setFeatureName(group, bit, name)
    default:
      return nil
    }
  }

  /// The extension data from `data`, `hex` or `file` (empty when none is given).
  private mutating func payload(_ keys: [String: YAMLNode]) -> [UInt8]? {
    if let node = keys["data"] {
      return string(node, what: "data").map { Array($0.utf8) }
    }
    if let node = keys["hex"] {
      guard let text = string(node, what: "hex") else { return nil }
      guard let bytes = HexText.decode(text) else {
        error(node.mark, "'hex' must be an even number of hex digits (spaces allowed), got '\(text)'")
        return nil
      }
      return bytes
    }
    if let node = keys["file"] {
      guard let name = string(node, what: "file") else { return nil }
      do {
        return try ManifestPaths.readFile(
          ManifestPaths.resolve(name, in: directory), limit: ManifestLoader.payloadLimit)
      } catch {
        self.error(node.mark, "cannot read payload file '\(name)': \(error)")
        return nil
      }
    }
    return []
  }

  // MARK: Typed access

  /// The keys of a mapping node, checking for unknown, duplicate and missing keys.
  mutating func mapping(_ node: YAMLNode, _ grammar: ManifestMapping) -> [String: YAMLNode]? {
    let known = grammar.names
    guard case .mapping(let pairs) = node.content else {
      error(
        node.mark, "expected a mapping with \(known.map { "'\($0)'" }.joined(separator: ", ")), found \(node.kindName)")
      return nil
    }
    var result: [String: YAMLNode] = [:]
    var keyMarks: [String: YAMLMark] = [:]
    for pair in pairs {
      guard let key = pair.key.scalar else {
        error(pair.key.mark, "keys must be scalars, found \(pair.key.kindName)")
        continue
      }
      // `x-` keys are free for the user, e.g. to hold anchors of shared edit lists.
      if key.hasPrefix("x-") { continue }
      guard known.contains(key) else {
        error(pair.key.mark, "unknown key '\(key)'\(Suggestion.text(for: key, among: known))")
        continue
      }
      guard result[key] == nil else {
        duplicate(key, at: pair.key.mark, first: keyMarks[key])
        continue
      }
      result[key] = pair.value
      keyMarks[key] = pair.key.mark
    }
    for key in grammar.required where result[key] == nil && !pairs.contains(where: { $0.key.scalar == key }) {
      error(node.mark, "missing key '\(key)'")
    }
    return result
  }

  mutating func string(_ node: YAMLNode, what: String) -> String? {
    guard let text = node.scalar else {
      error(node.mark, "'\(what)' must be a scalar, found \(node.kindName)")
      return nil
    }
    return text
  }

  private mutating func located(string node: YAMLNode, what: String) -> ManifestImage.Located<String>? {
    guard let text = string(node, what: what) else { return nil }
    guard !text.isEmpty else {
      error(node.mark, "'\(what)' is empty")
      return nil
    }
    return ManifestImage.Located(value: text, mark: node.mark)
  }

  /// A non-negative integer in qcow2.py's number syntax.
  mutating func number(_ node: YAMLNode, what: String) -> UInt64? {
    guard let text = string(node, what: what) else { return nil }
    guard let number = PythonInteger(text) else {
      error(node.mark, "'\(text)' is not a valid number for '\(what)'")
      return nil
    }
    guard let value = number.value else {
      error(node.mark, "\(what) \(number.description) is out of range (0 to 2^64-1)")
      return nil
    }
    return value
  }

  private mutating func fieldValue(_ node: YAMLNode, field: HeaderField) -> UInt64? {
    guard let value = number(node, what: field.name) else { return nil }
    guard value <= field.maximum else {
      error(node.mark, "value \(value) does not fit header field '\(field.name)' (\(field.width * 8) bits)")
      return nil
    }
    return value
  }

  private mutating func magic(_ node: YAMLNode) -> UInt32? {
    guard let value = number(node, what: "magic") else { return nil }
    guard let magic = UInt32(exactly: value) else {
      error(node.mark, "magic \(value) is out of range (0 to 0xffffffff)")
      return nil
    }
    guard magic != 0 else {
      error(node.mark, "magic 0 is the end-of-extensions marker, not an extension type")
      return nil
    }
    return magic
  }

  private mutating func featureGroup(_ node: YAMLNode) -> FeatureGroup? {
    guard let name = string(node, what: "group") else { return nil }
    guard let group = FeatureGroup(rawValue: name) else {
      error(node.mark, "unknown feature group '\(name)'; use incompatible, compatible or autoclear")
      return nil
    }
    return group
  }

  private mutating func featureBit(_ node: YAMLNode) -> Int? {
    guard let bit = number(node, what: "bit") else { return nil }
    guard bit < 64 else {
      error(node.mark, "bit \(bit) is out of range [0, 64)")
      return nil
    }
    return Int(bit)
  }

  private mutating func headerField(_ name: String, at mark: YAMLMark) -> HeaderField? {
    guard let field = HeaderField.named(name) else {
      error(mark, "unknown header field '\(name)'\(Suggestion.text(for: name, among: HeaderField.all.map(\.name)))")
      return nil
    }
    return field
  }
}

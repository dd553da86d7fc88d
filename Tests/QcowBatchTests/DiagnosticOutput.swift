import Testing

/// Standard error of a run that reported manifest diagnostics, split into entries: each
/// `FILE:LINE:COLUMN: error: MESSAGE` (or `note:`) line with the lines shown under it.
struct DiagnosticOutput {
  /// One error or note.
  struct Entry {
    /// The first line, as scripts grep it.
    let header: String
    /// The lines after it up to the next entry: the source line and the caret line.
    let shown: [String]
  }

  let entries: [Entry]

  /// Splits `text`; lines before the first entry are dropped.
  init(_ text: String, file: String) {
    var entries: [Entry] = []
    var header: String?
    var shown: [String] = []
    for line in text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init) {
      if line.hasPrefix(file) && (line.contains(": error: ") || line.contains(": note: ")) {
        if let header { entries.append(Entry(header: header, shown: shown)) }
        header = line
        shown = []
      } else if header != nil, !line.isEmpty {
        shown.append(line)
      }
    }
    if let header { entries.append(Entry(header: header, shown: shown)) }
    self.entries = entries
  }

  /// The error lines, without notes.
  var errors: [String] { entries.map(\.header).filter { $0.contains(": error: ") } }

  /// Checks that every entry with a position shows line LINE of `manifest` and a caret at
  /// COLUMN, and that one without shows nothing.
  func checkSourceLines(_ manifest: String, _ context: String) {
    let lines = manifest.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
    for entry in entries {
      let place = entry.header.split(separator: ":").dropFirst().prefix(2).compactMap { Int($0) }
      guard place.count == 2 else {
        #expect(entry.shown.isEmpty, "\(context): '\(entry.header)' has no position but shows \(entry.shown)")
        continue
      }
      let (line, column) = (place[0], place[1])
      guard entry.shown.count == 2, lines.indices.contains(line - 1) else {
        Issue.record("\(context): '\(entry.header)' shows \(entry.shown)")
        continue
      }
      #expect(entry.shown[0] == lines[line - 1], "\(context): the source line of '\(entry.header)'")
      let caret = entry.shown[1]
      let indent = caret.prefix { $0 == " " || $0 == "\t" }
      let marks = caret.dropFirst(indent.count)
      #expect(indent.count == column - 1, "\(context): the caret of '\(entry.header)' is not at its column")
      #expect(
        marks.first == "^" && marks.dropFirst().allSatisfy { $0 == "~" }
          && indent.count + marks.count <= max(lines[line - 1].count, column),
        "\(context): '\(caret)' under '\(entry.header)'")
    }
  }
}

/// One error in a manifest, tied to a position in it when there is one, with notes that point
/// at related places.
struct ManifestDiagnostic: Error, Sendable {
  /// Where in the manifest, 1-based.
  let mark: YAMLMark?
  /// What is wrong, one line.
  let message: String
  /// Related places: the first of two duplicates, the other members of a cycle.
  let notes: [Note]

  init(mark: YAMLMark?, message: String, notes: [Note] = []) {
    self.mark = mark
    self.message = message
    self.notes = notes
  }

  /// A related place, shown as a `note:` after the error.
  struct Note: Sendable {
    let mark: YAMLMark
    let message: String
  }

  /// The compiler-style line: `FILE:LINE:COLUMN: error: MESSAGE`.
  func rendered(file: String) -> String {
    "\(ManifestDiagnostic.location(file, mark)): error: \(message)"
  }

  /// `FILE:LINE:COLUMN`, or `FILE` without a mark.
  static func location(_ file: String, _ mark: YAMLMark?) -> String {
    mark.map { "\(file):\($0.line):\($0.column)" } ?? file
  }

  /// Every error found in one manifest, with the manifest's text when it could be read.
  struct List: Error, Sendable {
    let diagnostics: [ManifestDiagnostic]
    let source: ManifestSource?
  }
}

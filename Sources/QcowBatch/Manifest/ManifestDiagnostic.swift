/// One error in a manifest, tied to a position in it when there is one.
struct ManifestDiagnostic: Error, Sendable {
  /// Where in the manifest, 1-based.
  let mark: YAMLMark?
  /// What is wrong, one line.
  let message: String

  /// The compiler-style line: `FILE:LINE:COLUMN: error: MESSAGE`.
  func rendered(file: String) -> String {
    if let mark { return "\(file):\(mark.line):\(mark.column): error: \(message)" }
    return "\(file): error: \(message)"
  }

  /// Every error found in one manifest.
  struct List: Error, Sendable {
    let diagnostics: [ManifestDiagnostic]
  }
}

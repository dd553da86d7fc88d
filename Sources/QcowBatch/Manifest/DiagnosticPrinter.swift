import Glibc

/// Shows manifest diagnostics as compilers do: the `FILE:LINE:COLUMN: error: MESSAGE` line, the
/// source line, a caret under the column and `~` under the rest of the node, then each note
/// the same way. Colour is for terminals only.
struct DiagnosticPrinter {
  /// The manifest as named on the command line.
  let file: String
  /// The manifest's text, when it could be read.
  let source: ManifestSource?
  /// Whether to colour the output with ANSI escapes.
  let colour: Bool

  /// Whether diagnostics on standard error get colour: only on a terminal, and never with
  /// `NO_COLOR` set (to anything but the empty string) or with `--json`.
  static func wantsColour(json: Bool) -> Bool {
    guard !json, isatty(STDERR_FILENO) == 1 else { return false }
    guard let noColour = getenv("NO_COLOR") else { return true }
    return noColour.pointee == 0
  }

  /// The lines for `diagnostic` and its notes, without a final newline.
  func text(_ diagnostic: ManifestDiagnostic) -> String {
    var lines = entry("error", colour: "31", diagnostic.mark, diagnostic.message)
    for note in diagnostic.notes {
      lines += entry("note", colour: "36", note.mark, note.message)
    }
    return lines.joined(separator: "\n")
  }

  /// One error or note: its first line, then the source line and the caret line when known.
  private func entry(_ severity: String, colour code: String, _ mark: YAMLMark?, _ message: String) -> [String] {
    let location = ManifestDiagnostic.location(file, mark)
    let first =
      colour
      ? "\(escape("1"))\(location): \(escape("1;" + code))\(severity): \(escape("0"))\(escape("1"))\(message)\(escape("0"))"
      : "\(location): \(severity): \(message)"
    guard let mark, let line = source?.line(mark.line) else { return [first] }
    // The caret line keeps the source line's tabs, so that the caret lines up under them.
    let scalars = Array(line.unicodeScalars)
    let indent = (0..<max(mark.column - 1, 0)).map { index in
      index < scalars.count && scalars[index] == "\t" ? "\t" : " "
    }.joined()
    let underline = "^" + String(repeating: "~", count: max((mark.length ?? 1) - 1, 0))
    return [first, line, indent + (colour ? escape("1;32") + underline + escape("0") : underline)]
  }

  /// The ANSI escape that selects graphic rendition `code`.
  private func escape(_ code: String) -> String {
    "\u{1B}[\(code)m"
  }
}

import Foundation
import Testing

/// Snapshots of the manifest diagnostics: the text with source lines, carets and notes; colour
/// only on a terminal and without NO_COLOR; the JSON objects.
@Suite struct DiagnosticsTests {
  /// Load errors: a duplicate key with a note, a one-line node underlined, a caret lined up
  /// under a tab, a node over several lines marked by its caret only.
  static let loadErrors =
    "version: 1\nimages:\n  - path: out/a.qcow2\n    path: out/b.qcow2\n    from: templates/base.qcow2\n"
    + "    edits:\n      - set-header: {field: l1_sise, value: \"0x1_0000_0000\"}\n"
    + "      - {set-header: {field:\tl1_size, value: 1.5}}\n      - set-heder l1_size 4\n"
    + "  - from: templates/base.qcow2\n    edits: []\n"

  static let loadErrorsText = """
    m.yaml:4:5: error: duplicate key 'path'
        path: out/b.qcow2
        ^~~~
    m.yaml:3:5: note: the first 'path' is here
      - path: out/a.qcow2
        ^~~~
    m.yaml:7:29: error: unknown header field 'l1_sise'; did you mean 'l1_size'?
          - set-header: {field: l1_sise, value: "0x1_0000_0000"}
                                ^~~~~~~
    m.yaml:8:46: error: '1.5' is not a valid number for 'l1_size'
          - {set-header: {field:\tl1_size, value: 1.5}}
                                \t                ^~~
    m.yaml:9:9: error: unknown operation 'set-heder'; did you mean 'set-header'?
          - set-heder l1_size 4
            ^~~~~~~~~~~~~~~~~~~
    m.yaml:10:5: error: missing key 'path'
      - from: templates/base.qcow2
        ^

    """

  /// A YAML syntax error, with a note where the open flow sequence started.
  static let syntaxError = "version: 1\nimages:\n  - path: out/a.qcow2\n    edits: [set-header l1_size 4\n  - path: b\n"

  static let syntaxErrorText = """
    m.yaml:5:9: error: YAML syntax error: while parsing a flow sequence started at line 4, column 12: did not \
    find expected ',' or ']'
      - path: b
            ^
    m.yaml:4:12: note: the flow sequence started here
        edits: [set-header l1_size 4
               ^

    """

  /// Plan errors: two entries naming one image, the note pointing at the first.
  static let planErrors = """
    version: 1
    images:
      - path: out/a.qcow2
        from: templates/base.qcow2
      - {path: out/../out/a.qcow2, from: templates/base.qcow2, expect: {version: 2}}

    """

  static let planErrorsText = """
    m.yaml:5:12: error: 'out/../out/a.qcow2' is the same image as 'out/a.qcow2' at line 3
      - {path: out/../out/a.qcow2, from: templates/base.qcow2, expect: {version: 2}}
               ^~~~~~~~~~~~~~~~~~
    m.yaml:3:11: note: 'out/a.qcow2' names that image first
      - path: out/a.qcow2
              ^~~~~~~~~~~
    m.yaml:5:69: error: expected version 2, 'templates/base.qcow2' has 3
      - {path: out/../out/a.qcow2, from: templates/base.qcow2, expect: {version: 2}}
                                                                        ^~~~~~~

    """

  static var planErrorsJSON: [[String: Any]] {
    [
      [
        "file": "m.yaml", "line": 5, "column": 12,
        "message": "'out/../out/a.qcow2' is the same image as 'out/a.qcow2' at line 3",
        "notes": [["file": "m.yaml", "line": 3, "column": 11, "message": "'out/a.qcow2' names that image first"]],
      ],
      [
        "file": "m.yaml", "line": 5, "column": 69, "message": "expected version 2, 'templates/base.qcow2' has 3",
        "notes": [],
      ],
    ]
  }

  /// The first error of `loadErrors` as a terminal shows it: bold location and message, red
  /// `error:`, cyan `note:`, green carets.
  static let colouredStart =
    "\u{1B}[1mm.yaml:4:5: \u{1B}[1;31merror: \u{1B}[0m\u{1B}[1mduplicate key 'path'\u{1B}[0m\n"
    + "    path: out/b.qcow2\n    \u{1B}[1;32m^~~~\u{1B}[0m\n"
    + "\u{1B}[1mm.yaml:3:5: \u{1B}[1;36mnote: \u{1B}[0m\u{1B}[1mthe first 'path' is here\u{1B}[0m\n"

  @Test("text: source lines, carets and notes, without colour when standard error is a pipe")
  func text() throws {
    let workspace = try ManifestWorkspace()
    defer { workspace.remove() }
    for (manifest, expected) in [
      (DiagnosticsTests.loadErrors, DiagnosticsTests.loadErrorsText),
      (DiagnosticsTests.syntaxError, DiagnosticsTests.syntaxErrorText),
    ] {
      try workspace.writeManifest(manifest)
      for command in ["plan", "apply"] {
        let result = try workspace.qcowBatch([command])
        #expect(result.status == 1 && result.out.isEmpty, "\(command): exit \(result.status)")
        #expect(result.err == expected, "\(command)")
      }
    }
    try workspace.writeManifest(DiagnosticsTests.planErrors)
    let plan = try workspace.qcowBatch(["plan"])
    #expect(plan.status == 1 && plan.out.hasSuffix("plan is invalid: 2 errors\n"), "plan: exit \(plan.status)")
    #expect(plan.err == DiagnosticsTests.planErrorsText)
  }

  @Test("JSON: the same diagnostics as objects with their notes, and the text on standard error")
  func json() throws {
    let workspace = try ManifestWorkspace()
    defer { workspace.remove() }
    try workspace.writeManifest(DiagnosticsTests.planErrors)
    for command in ["plan", "apply"] {
      let result = try workspace.qcowBatch([command, "--json"])
      #expect(result.status == 1, "\(command): exit \(result.status)")
      let document = try JSONSerialization.jsonObject(with: result.stdout) as? [String: Any]
      let errors = try #require(document?["errors"] as? [[String: Any]], "\(command): \(result.out)")
      #expect(try canonical(errors) == canonical(DiagnosticsTests.planErrorsJSON), "\(command)")
      #expect(result.err == DiagnosticsTests.planErrorsText, "\(command)")
    }
  }

  @Test("colour on a terminal; none with NO_COLOR set or with --json")
  func colour() throws {
    let workspace = try ManifestWorkspace()
    defer { workspace.remove() }
    try workspace.writeManifest(DiagnosticsTests.loadErrors)
    let terminal = TestSupport.fixtures.appendingPathComponent("tools/on-terminal.py").path
    let run = { (environment: [String], arguments: [String]) in
      try TestSupport.run(
        URL(fileURLWithPath: "/usr/bin/env"),
        environment + ["/usr/bin/python3", terminal, TestSupport.binary.path] + arguments + ["m.yaml"],
        directory: workspace.directory)
    }
    let coloured = try run(["-u", "NO_COLOR"], ["plan"])
    #expect(coloured.status == 1, "exit \(coloured.status): \(coloured.err)")
    #expect(coloured.err.hasPrefix(DiagnosticsTests.colouredStart), "\(coloured.err)")
    #expect(plain(coloured.err) == DiagnosticsTests.loadErrorsText, "the text under the escapes")
    // An empty NO_COLOR counts as unset (no-color.org).
    #expect(try run(["NO_COLOR="], ["plan"]).err == coloured.err, "NO_COLOR=''")
    for (environment, arguments) in [(["NO_COLOR=1"], ["plan"]), (["-u", "NO_COLOR"], ["plan", "--json"])] {
      let result = try run(environment, arguments)
      let label = (environment + arguments).joined(separator: " ")
      #expect(result.status == 1, "\(label): exit \(result.status)")
      #expect(result.err == DiagnosticsTests.loadErrorsText, "\(label)")
    }
  }

  /// `text` without its ANSI escapes.
  private func plain(_ text: String) -> String {
    text.replacingOccurrences(of: "\u{1B}\\[[0-9;]*m", with: "", options: .regularExpression)
  }

  /// A JSON value as text with sorted keys, to compare parsed documents.
  private func canonical(_ value: Any) throws -> String {
    String(decoding: try JSONSerialization.data(withJSONObject: value, options: [.sortedKeys]), as: UTF8.self)
  }
}

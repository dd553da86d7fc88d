import Foundation
import Testing

/// Bad manifests: `plan` and `apply` (text, JSON, dry run) print exactly the expected
/// `FILE:LINE:COLUMN: error:` lines, each with its source line and caret, exit 1, and leave
/// every file as it was.
@Suite struct ManifestErrorTests {
  @Test(
    "a bad manifest gets exactly its error lines from plan and apply, and nothing is written",
    arguments: ManifestErrorCase.loadErrors + ManifestErrorCase.planErrors + ManifestErrorCase.locationErrors
      + ManifestErrorCase.setupErrors)
  func reportsEveryError(_ bad: ManifestErrorCase) throws {
    let workspace = try ManifestWorkspace()
    defer { workspace.remove() }
    try workspace.writeManifest(bad.manifest)
    let resolve = {
      (text: String) in
      text.replacingOccurrences(of: ManifestWorkspace.directoryPlaceholder, with: workspace.directory.path)
    }
    let expected = bad.errors.map(resolve)
    let before = try workspace.snapshot()
    for arguments in [["plan"], ["plan", "--json"], ["apply"], ["apply", "--json"], ["apply", "--dry-run"]] {
      let result = try workspace.qcowBatch(arguments, unprivileged: bad.unprivileged)
      let command = arguments.joined(separator: " ")
      #expect(result.status == 1 && !result.crashed, "\(command) exited \(result.status)")
      let output = DiagnosticOutput(result.err, file: ManifestWorkspace.manifestName)
      #expect(output.errors == expected, "\(command) stderr")
      output.checkSourceLines(resolve(bad.manifest), command)
      if arguments.contains("--json") {
        try checkJSON(result, expected: output.entries.map(\.header), stage: bad.stage, command: command)
      } else {
        checkText(result, errors: expected.count, stage: bad.stage, command: command)
      }
    }
    #expect(try workspace.snapshot() == before, "a failed plan or apply changed the directory")
  }

  /// Without --json, a plan that ran ends with its verdict; a manifest that did not load prints nothing.
  private func checkText(_ result: ProcessResult, errors: Int, stage: ManifestErrorCase.Stage, command: String) {
    switch stage {
    case .load: #expect(result.out.isEmpty, "\(command) printed a plan for a manifest that did not load")
    case .plan:
      #expect(
        result.out.hasSuffix("plan is invalid: \(errors) \(errors == 1 ? "error" : "errors")\n"),
        "\(command): \(result.out)")
    }
  }

  /// With --json, standard output is one JSON document listing the same errors and notes.
  private func checkJSON(
    _ result: ProcessResult, expected: [String], stage: ManifestErrorCase.Stage, command: String
  ) throws {
    let document = try JSONSerialization.jsonObject(with: result.stdout) as? [String: Any]
    #expect(document?["valid"] as? Bool == false, "\(command)")
    let images = document?["images"] as? [Any]
    #expect((images?.isEmpty ?? true) == (stage == .load), "\(command): images listed only when the plan ran")
    if command.hasPrefix("apply") { #expect(document?["applied"] as? Bool == false, "\(command)") }
    let line = { (object: [String: Any], severity: String) in
      let place = [object["line"], object["column"]].compactMap { $0 as? Int }.map(String.init)
      return ([object["file"] as? String ?? "?"] + place).joined(separator: ":") + ": \(severity): "
        + (object["message"] as? String ?? "?")
    }
    let entries = (document?["errors"] as? [[String: Any]] ?? []).flatMap { error in
      [line(error, "error")] + (error["notes"] as? [[String: Any]] ?? []).map { line($0, "note") }
    }
    #expect(entries == expected, "\(command) JSON errors and notes")
  }
}

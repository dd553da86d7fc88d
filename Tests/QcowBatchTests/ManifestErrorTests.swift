import Foundation
import Testing

/// Bad manifests: `plan` and `apply` (text, JSON, dry run) print exactly the expected
/// `FILE:LINE:COLUMN: error:` lines, exit 1, and leave every file as it was.
@Suite struct ManifestErrorTests {
  @Test(
    "a bad manifest gets exactly its error lines from plan and apply, and nothing is written",
    arguments: ManifestErrorCase.loadErrors + ManifestErrorCase.planErrors)
  func reportsEveryError(_ bad: ManifestErrorCase) throws {
    let workspace = try ManifestWorkspace()
    defer { workspace.remove() }
    try workspace.writeManifest(bad.manifest)
    let expected = bad.errors.map {
      $0.replacingOccurrences(of: ManifestWorkspace.directoryPlaceholder, with: workspace.directory.path)
    }
    let before = try workspace.snapshot()
    for arguments in [["plan"], ["plan", "--json"], ["apply"], ["apply", "--json"], ["apply", "--dry-run"]] {
      let result = try workspace.qcowBatch(arguments, unprivileged: bad.unprivileged)
      let command = arguments.joined(separator: " ")
      #expect(result.status == 1 && !result.crashed, "\(command) exited \(result.status)")
      #expect(result.err.split(separator: "\n").map(String.init) == expected, "\(command) stderr")
      if arguments.contains("--json") {
        try checkJSON(result, expected: expected, stage: bad.stage, command: command)
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

  /// With --json, standard output is one JSON document listing the same errors.
  private func checkJSON(
    _ result: ProcessResult, expected: [String], stage: ManifestErrorCase.Stage, command: String
  ) throws {
    let document = try JSONSerialization.jsonObject(with: result.stdout) as? [String: Any]
    #expect(document?["valid"] as? Bool == false, "\(command)")
    let images = document?["images"] as? [Any]
    #expect((images?.isEmpty ?? true) == (stage == .load), "\(command): images listed only when the plan ran")
    if command.hasPrefix("apply") { #expect(document?["applied"] as? Bool == false, "\(command)") }
    let errors = (document?["errors"] as? [[String: Any]] ?? []).map { error in
      let place = [error["line"], error["column"]].compactMap { $0 as? Int }.map(String.init)
      return ([error["file"] as? String ?? "?"] + place).joined(separator: ":") + ": error: "
        + (error["message"] as? String ?? "?")
    }
    #expect(errors == expected, "\(command) JSON errors")
  }
}

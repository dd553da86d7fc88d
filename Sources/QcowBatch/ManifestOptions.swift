import ArgumentParser
import QcowCore

/// The arguments `plan` and `apply` share.
struct ManifestOptions: ParsableArguments {
  @Argument(help: "The manifest (YAML).", completion: .file(extensions: ["yaml", "yml"]))
  var manifest: String

  @Flag(help: "Print one JSON document instead of text.")
  var json = false

  /// Loads the manifest, printing every error and failing when there is any; `apply` says
  /// so, for its JSON document to tell that nothing was applied.
  func load(forApply: Bool = false) throws -> Manifest {
    switch ManifestLoader.load(manifest) {
    case .success(let loaded): return loaded
    case .failure(let list):
      report(list.diagnostics, source: list.source, plan: nil, applied: forApply ? false : nil)
      throw ExitCode.failure
    }
  }

  /// Prints the errors on standard error, each with the source line it points at, and with
  /// `--json` the document on standard output.
  func report(_ diagnostics: [ManifestDiagnostic], source: ManifestSource?, plan: JSONValue?, applied: Bool? = nil) {
    let printer = DiagnosticPrinter(file: manifest, source: source, colour: DiagnosticPrinter.wantsColour(json: json))
    for diagnostic in diagnostics {
      printError(printer.text(diagnostic))
    }
    guard json else { return }
    var document: [(String, JSONValue)] = [("manifest", .string(manifest))]
    if case .object(let members)? = plan {
      document = members
    } else {
      document += [("valid", .bool(false)), ("images", .array([]))]
      document.append(("errors", .array(diagnostics.map { PlanReport.errorJSON($0, file: manifest) })))
    }
    if let applied { document.append(("applied", .bool(applied))) }
    print(JSONValue.object(document).rendered())
  }
}

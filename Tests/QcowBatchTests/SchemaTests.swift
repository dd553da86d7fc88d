import Foundation
import QcowCore
import Testing

@testable import QcowBatch

/// The manifest JSON Schema: current, naming the examples, accepting every valid manifest,
/// rejecting every manifest the loader rejects for its structure, and holding every key and
/// operation the loader knows.
@Suite struct SchemaTests {
  @Test("manifests/schema.json is what 'qcow-batch schema' prints")
  func copyIsCurrent() throws {
    let printed = try TestSupport.qcowBatch(["schema"])
    #expect(printed.status == 0, "\(printed.err)")
    let copy = try String(contentsOf: SchemaCheck.file, encoding: .utf8)
    #expect(printed.out == copy, "manifests/schema.json is stale: qcow-batch schema > manifests/schema.json")
  }

  @Test("every example manifest names the schema on its first line")
  func examplesNameTheSchema() throws {
    for (name, text) in try SchemaCases.validManifests() where name.hasPrefix("manifests/") {
      #expect(text.hasPrefix("# yaml-language-server: $schema=schema.json\n"), "\(name)")
    }
  }

  @Test("the schema accepts every example and every valid manifest of the test suite")
  func acceptsValidManifests() throws {
    let manifests = try SchemaCases.validManifests()
    #expect(manifests.count >= 30)
    let problems = try SchemaCheck.problems(manifests)
    for (name, _) in manifests {
      #expect(problems[name] == [], "\(name): \(problems[name] ?? [])")
    }
  }

  @Test("the schema accepts every fuzz input that the loader accepts")
  func acceptsLoadedFuzzInputs() throws {
    let directory = try TestSupport.makeTemporaryDirectory("qcow-batch-schema")
    defer { try? FileManager.default.removeItem(at: directory) }
    _ = try FuzzRegressionTests.makeSandbox(in: directory)
    var loaded: [(name: String, text: String)] = []
    for input in FuzzRegressionTests.manifestInputs {
      let text = try String(contentsOf: TestSupport.packageRoot.appendingPathComponent(input), encoding: .utf8)
      try text.write(to: directory.appendingPathComponent("manifest.yaml"), atomically: false, encoding: .utf8)
      if try SchemaTests.loads("manifest.yaml", in: directory) { loaded.append((input, text)) }
    }
    #expect(loaded.count >= 5, "too few fuzz inputs load: \(loaded.map(\.name))")
    let problems = try SchemaCheck.problems(loaded)
    for (name, _) in loaded {
      #expect(problems[name] == [], "\(name): \(problems[name] ?? [])")
    }
  }

  @Test("the schema rejects every manifest that the loader rejects for its structure")
  func rejectsStructuralErrors() throws {
    let workspace = try ManifestWorkspace()
    defer { workspace.remove() }
    for (name, text) in SchemaCases.oneStructuralError {
      try workspace.writeManifest(text)
      #expect(try !SchemaTests.loads(ManifestWorkspace.manifestName, in: workspace.directory), "\(name) loads")
    }
    var manifests = SchemaCases.oneStructuralError
    for bad in ManifestErrorCase.loadErrors {
      if case .rejects = bad.schema { manifests.append(("load case: \(bad.name)", bad.manifest)) }
    }
    let problems = try SchemaCheck.problems(manifests)
    for (name, _) in manifests {
      let found = problems[name] ?? []
      #expect(!found.isEmpty && !found.contains { $0.hasPrefix("YAML: ") }, "\(name): \(found)")
    }
  }

  @Test("the schema holds every key, operation, field, group and create option the loader knows")
  func holdsTheLoadersTables() throws {
    let schema = try SchemaCheck.schema()
    let mappings = [([String](), ManifestMapping.document), (["definitions", "image"], ManifestMapping.image)]
    for (path, mapping) in mappings {
      #expect(SchemaCheck.properties(schema, path) == mapping.names.sorted(), "\(path)")
      #expect(SchemaCheck.object(schema, path)["required"] as? [String] == mapping.required, "\(path)")
    }
    let operations = ["definitions", "operation", "properties"]
    #expect(SchemaCheck.object(schema, operations).keys.sorted() == EditOperation.names.sorted())
    for operation in EditOperation.allCases {
      let path = operations + [operation.rawValue]
      #expect(SchemaCheck.properties(schema, path) == operation.mapping.names.sorted(), "\(operation)")
      #expect(SchemaCheck.object(schema, path)["required"] as? [String] == operation.mapping.required)
    }
    let shorthand = SchemaCheck.object(schema, ["definitions", "shorthand"])["anyOf"] as? [[String: Any]] ?? []
    let patterns = shorthand.compactMap { $0["pattern"] as? String }
    let oneLine = EditOperation.allCases.filter(\.hasOneLineForm).map(\.rawValue)
    #expect(patterns.count == oneLine.count, "one shorthand pattern per header operation")
    for (pattern, name) in zip(patterns, oneLine) {
      #expect(pattern.hasPrefix("^ *\(name) "), "\(pattern)")
    }
    #expect(SchemaCheck.properties(schema, ["definitions", "create"]) == CreateOptions.names.sorted())
    let enums = [
      (operations.dropLast(), EditOperation.names), (["definitions", "create"], CreateOptions.names),
      (["definitions", "image", "properties", "expect"], HeaderField.all.map(\.name)),
    ]
    for (path, names) in enums {
      #expect(SchemaCheck.object(schema, path + ["propertyNames"])["enum"] as? [String] == names, "\(path)")
    }
    let fields = HeaderField.all.map(\.name)
    let image = ["definitions", "image", "properties"]
    #expect(SchemaCheck.properties(schema, image + ["expect"]) == fields.sorted())
    let setHeader = operations + ["set-header", "properties"]
    #expect(SchemaCheck.object(schema, setHeader + ["field"])["enum"] as? [String] == fields)
    for operation in ["set-feature-bit", "clear-feature-bit"] {
      let group = SchemaCheck.object(schema, operations + [operation, "properties", "group"])
      #expect(group["enum"] as? [String] == FeatureGroup.allCases.map(\.rawValue), "\(operation)")
    }
  }

  @Test("the keys the loader's own messages list are the schema's, mapping by mapping")
  func loaderMessagesListTheSchemasKeys() throws {
    let schema = try SchemaCheck.schema()
    let operations = SchemaCheck.object(schema, ["definitions", "operation", "properties"]).keys.sorted()
    #expect(operations.count == EditOperation.allCases.count)
    // Each manifest makes the loader say "expected a mapping with 'KEY', ..." for one kind of mapping.
    let probes =
      [
        ("top level", "- version: 1\n", [String]()),
        ("image entry", "version: 1\nimages: [out/a.qcow2]\n", ["definitions", "image"]),
      ]
      + operations.map {
        ($0, SchemaCases.entry("    edits: [{\($0): 1}]\n"), ["definitions", "operation", "properties", $0])
      }
    let workspace = try ManifestWorkspace()
    defer { workspace.remove() }
    for (label, text, path) in probes {
      try workspace.writeManifest(text)
      let result = try workspace.qcowBatch(["plan"])
      let message = result.err.split(separator: "\n").first { $0.contains("expected a mapping with ") }
      let listed = message.map { line in
        line.split(separator: "'").enumerated().filter { $0.offset % 2 == 1 }.map { String($0.element) }
      }
      #expect(listed?.sorted() == SchemaCheck.properties(schema, path), "\(label): \(result.err)")
    }
  }

  /// Whether the loader accepts the manifest `name` in `directory`: `plan --json` lists its images.
  static func loads(_ name: String, in directory: URL) throws -> Bool {
    let result = try TestSupport.qcowBatch(["plan", "--json", name], directory: directory)
    let document = try? JSONSerialization.jsonObject(with: result.stdout) as? [String: Any]
    #expect(document != nil && !result.crashed, "plan --json \(name): \(result.err)")
    return (document?["images"] as? [Any])?.isEmpty == false
  }
}

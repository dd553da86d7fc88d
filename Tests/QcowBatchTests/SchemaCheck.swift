import Foundation
import Testing

/// Checks manifests against the committed manifest schema (manifests/schema.json) with
/// Debian's python3-jsonschema, through Fixtures/tools/check-schema.py: one run for many.
enum SchemaCheck {
  /// The committed copy of the schema.
  static let file = TestSupport.packageRoot.appendingPathComponent("manifests/schema.json")

  /// The problems the schema finds in each manifest, by name; none for one it accepts.
  static func problems(_ manifests: [(name: String, text: String)]) throws -> [String: [String]] {
    let request: [String: Any] = [
      "schema": file.path, "manifests": manifests.map { ["name": $0.name, "text": $0.text] },
    ]
    let checker = TestSupport.fixtures.appendingPathComponent("tools/check-schema.py").path
    let result = try TestSupport.run(
      URL(fileURLWithPath: "/usr/bin/python3"), [checker], stdin: try JSONSerialization.data(withJSONObject: request))
    try #require(result.status == 0, "check-schema.py failed (is python3-jsonschema installed?): \(result.err)")
    let parsed = try JSONSerialization.jsonObject(with: result.stdout) as? [String: [String]]
    let problems = try #require(parsed, "check-schema.py printed \(result.out)")
    try #require(Set(problems.keys) == Set(manifests.map(\.name)), "check-schema.py skipped manifests")
    return problems
  }

  /// The committed schema, parsed.
  static func schema() throws -> [String: Any] {
    let parsed = try JSONSerialization.jsonObject(with: Data(contentsOf: file)) as? [String: Any]
    return try #require(parsed, "manifests/schema.json is not a JSON object")
  }

  /// The object at `path` (keys from the root) in `schema`.
  static func object(_ schema: [String: Any], _ path: [String]) -> [String: Any] {
    path.reduce(schema) { object, key in object[key] as? [String: Any] ?? [:] }
  }

  /// The property names of the object schema at `path`, sorted.
  static func properties(_ schema: [String: Any], _ path: [String]) -> [String] {
    object(schema, path + ["properties"]).keys.sorted()
  }
}

import Foundation
import Testing

/// A manifest with errors and the exact lines `plan` and `apply` must print for it.
struct ManifestErrorCase: CustomStringConvertible, Sendable {
  /// Where the errors are found: by the loader (no plan is printed) or by the plan.
  enum Stage: Sendable {
    case load
    case plan
  }

  /// What the manifest schema makes of the manifest.
  enum SchemaVerdict: Sendable {
    /// The schema rejects it: the loader's errors include one of structure (keys, types,
    /// names, number syntax and ranges).
    case rejects
    /// The schema accepts it: its errors are of things a schema cannot see (why).
    case accepts(String)
    /// Not for the schema: the YAML itself is broken or unbounded (why).
    case outside(String)
  }

  let name: String
  let stage: Stage
  /// The manifest text; `{dir}` stands for the manifest directory's canonical path.
  let manifest: String
  /// Every line expected on standard error, in order; `{dir}` as in `manifest`.
  let errors: [String]
  /// Whether to run qcow-batch as an unprivileged user (for permission errors).
  let unprivileged: Bool
  /// What the schema makes of it.
  let schema: SchemaVerdict

  var description: String { name }

  /// A case whose errors the loader reports, before any image is read.
  static func load(
    _ name: String, schema: SchemaVerdict = .rejects, _ manifest: String, _ errors: [String]
  ) -> ManifestErrorCase {
    ManifestErrorCase(
      name: name, stage: .load, manifest: manifest, errors: errors, unprivileged: false, schema: schema)
  }

  /// A case whose errors the plan reports, from the images and the file system.
  static func plan(
    _ name: String, unprivileged: Bool = false, _ manifest: String, _ errors: [String]
  ) -> ManifestErrorCase {
    ManifestErrorCase(
      name: name, stage: .plan, manifest: manifest, errors: errors, unprivileged: unprivileged,
      schema: .accepts("the plan finds its errors"))
  }
}

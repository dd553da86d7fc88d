import ArgumentParser
import Foundation
import Glibc
import QcowCore

/// A plan saved by `plan --out FILE`, applied by `apply FILE`: the manifest it was made from,
/// fingerprints of the manifest and of every source and target when it was made, and the
/// plan itself (the document `plan --json` prints). `apply` refuses a saved plan that is
/// stale: any of those files changed, or the plan made now differs.
struct SavedPlan {
  /// The value of the document's `qcow_batch_plan` key: the format version.
  static let format = 1

  /// The manifest, as an absolute path.
  let manifest: String
  /// Each file's role (`manifest`, `source`, `target`, `data file`), path and fingerprint.
  let fingerprints: [(role: String, path: String, fingerprint: String)]
  /// The plan document.
  let plan: JSONValue

  /// The saved form of `plan`, with fingerprints of its files as they are now.
  init(_ plan: EditPlan, document: JSONValue) {
    manifest = SavedPlan.absolute(plan.manifest.file)
    var files = [("manifest", manifest)]
    for image in plan.images {
      if image.creation == nil && image.sourceEntry == nil { files.append(("source", image.source)) }
      files.append(("target", image.target))
      if let dataFile = image.dataFile { files.append(("data file", dataFile.path)) }
    }
    fingerprints = files.map { ($0.0, SavedPlan.absolute($0.1), SavedPlan.fingerprint($0.1)) }
    self.plan = document
  }

  /// The document written to the file.
  var document: JSONValue {
    .object([
      ("qcow_batch_plan", .number(UInt64(SavedPlan.format))),
      ("manifest", .string(manifest)),
      (
        "fingerprints",
        .array(
          fingerprints.map {
            .object([("role", .string($0.role)), ("path", .string($0.path)), ("fingerprint", .string($0.fingerprint))])
          })
      ),
      ("plan", plan),
    ])
  }

  /// The saved plan in the file at `path`, or nil when the file is not one (a manifest).
  static func read(_ path: String) throws -> (manifest: String, fingerprints: [[String: String]], plan: Any)? {
    guard let data = FileManager.default.contents(atPath: path), data.first == UInt8(ascii: "{"),
      let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
      let format = object["qcow_batch_plan"] as? Int
    else { return nil }
    guard format == SavedPlan.format, let manifest = object["manifest"] as? String,
      let fingerprints = object["fingerprints"] as? [[String: String]], let plan = object["plan"]
    else {
      throw QcowError("'\(path)' is a saved plan of an unknown format (\(format)); make it again with 'plan --out'")
    }
    return (manifest, fingerprints, plan)
  }

  /// What makes the saved plan in `path` stale against `current`, empty when it is not.
  static func staleness(
    saved: (manifest: String, fingerprints: [[String: String]], plan: Any), current: SavedPlan
  ) -> [String] {
    var problems: [String] = []
    for entry in saved.fingerprints {
      guard let role = entry["role"], let path = entry["path"], let old = entry["fingerprint"] else { continue }
      let now = fingerprint(path)
      if now != old { problems.append("\(role) '\(path)' changed since the plan was made (\(old) -> \(now))") }
    }
    // The manifest is named as it was given on each command line: compare the rest.
    let rendered = Data(current.plan.rendered().utf8)
    var now = (try? JSONSerialization.jsonObject(with: rendered) as? [String: Any]) ?? [:]
    var then = saved.plan as? [String: Any] ?? [:]
    now["manifest"] = nil
    then["manifest"] = nil
    let canonical = { (object: [String: Any]) in
      try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])
    }
    if problems.isEmpty, canonical(now) == nil || canonical(now) != canonical(then) {
      problems.append("the plan made now differs from the saved one")
    }
    return problems
  }

  /// A file's fingerprint: size, modification time and the hash of its start; `absent` when
  /// there is no such file.
  static func fingerprint(_ path: String) -> String {
    var status = stat()
    guard stat(path, &status) == 0, let version = VersionFingerprint(path: path) else { return "absent" }
    return "\(version):\(status.st_mtim.tv_sec).\(status.st_mtim.tv_nsec)"
  }

  /// `path` made absolute (symlinks resolved where it exists).
  static func absolute(_ path: String) -> String {
    ManifestPaths.canonical(path) ?? ManifestPaths.resolve(path, in: FileManager.default.currentDirectoryPath)
  }
}

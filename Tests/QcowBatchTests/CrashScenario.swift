import Foundation
import Testing

/// The five-image transaction of the crash tests: in-place edits and `from` copies, targets that
/// exist and one that does not, in two directories, two of them with setup steps (guest data
/// and a snapshot) before their edits.
enum CrashScenario {
  /// The targets, relative to the manifest, in manifest order.
  static let targets = ["a.qcow2", "b.qcow2", "out/c.qcow2", "out/d.qcow2", "e.qcow2"]
  /// The files the transaction must never change: the manifest and the `from` sources.
  static let untouched = ["m.yaml", "template.qcow2", "small.qcow2"]
  /// Each target's source: itself when edited in place, else its `from`.
  static let sources = ["a.qcow2", "template.qcow2", "small.qcow2", "out/d.qcow2", "template.qcow2"]

  /// Makes the images and the manifest in the directory `base` of `scratch` ("" for its root);
  /// returns the manifest's absolute path.
  static func prepare(_ scratch: ApplyScratch, in base: String = "") throws -> String {
    let at = { (name: String) in base.isEmpty ? name : base + "/" + name }
    try scratch.directory(at("out"))
    try scratch.image(at("a.qcow2"))
    try scratch.image(at("b.qcow2"))
    try scratch.image(at("out/d.qcow2"))
    try scratch.image(at("template.qcow2"), template: "overlay.qcow2")
    try scratch.image(at("small.qcow2"), template: "small-4k.qcow2")
    return try scratch.manifest(
      at("m.yaml"),
      [
        ApplyEntry(
          path: "a.qcow2",
          setup: ["write: {offset: 0, length: 64k, pattern: 0x2a}", "write: {offset: 1M, length: 512}"],
          edits: [ApplyEdit.lazyRefcounts]),
        ApplyEntry(path: "b.qcow2", from: "template.qcow2", edits: [ApplyEdit.mark("b-new")]),
        ApplyEntry(
          path: "out/c.qcow2", from: "small.qcow2", setup: ["snapshot: {name: crash, date: 1700000000}"],
          edits: [ApplyEdit.mark("c-new")]),
        ApplyEntry(path: "out/d.qcow2", edits: [ApplyEdit.corruptBit]),
        ApplyEntry(path: "e.qcow2", from: "template.qcow2"),
      ])
  }

  /// The bytes of every target and of every untouched file (nil when absent).
  static func snapshot(_ scratch: ApplyScratch, in base: String = "") -> CrashSnapshot {
    let read = { (name: String) in
      FileManager.default.contents(atPath: scratch.path(base.isEmpty ? name : base + "/" + name))
    }
    return CrashSnapshot(targets: targets.map(read), untouched: untouched.map(read))
  }

  /// Checks what `recover` left in the scenario in the directory `base` of `scratch`, after a
  /// kill at `point`: it succeeded, every image is old or every image new (the one the point
  /// allows), the manifest and sources are unchanged and no transaction file is left.
  static func expectRecovered(
    _ recovered: ProcessResult, _ scratch: ApplyScratch, in base: String = "", after point: CrashPoint
  ) throws {
    let reference = try reference.get()
    #expect(recovered.status == 0, "recover: exit \(recovered.status): \(recovered.err)")
    let after = snapshot(scratch, in: base)
    let version = reference.version(of: after)
    #expect(version != nil, "mixed after recover: \(reference.describe(after)); recover said: \(recovered.out)")
    if let expected = point.afterKill {
      #expect(version == expected, "expected every image \(expected): \(reference.describe(after))")
    }
    #expect(after.untouched == reference.untouched, "the manifest or a source changed")
    #expect(scratch.leftovers() == [])
  }

  /// The old and new versions: a scenario before and after a clean apply.
  static let reference: Result<CrashReference, ApplyTestError> = {
    do {
      let scratch = try ApplyScratch("crash-reference")
      defer { scratch.remove() }
      let manifest = try prepare(scratch)
      let before = snapshot(scratch)
      let applied = try ApplyRun.run(manifest)
      guard applied.status == 0 else {
        return .failure(ApplyTestError(description: "the clean apply failed: \(applied.err)"))
      }
      let after = snapshot(scratch)
      guard after.untouched == before.untouched, zip(before.targets, after.targets).allSatisfy({ $0 != $1 }) else {
        return .failure(ApplyTestError(description: "the clean apply did not change every target"))
      }
      return .success(CrashReference(old: before.targets, new: after.targets, untouched: before.untouched))
    } catch {
      return .failure(ApplyTestError(description: "cannot make the reference versions: \(error)"))
    }
  }()
}

/// The bytes of the scenario's files.
struct CrashSnapshot: Equatable {
  let targets: [Data?]
  let untouched: [Data?]
}

/// Which version the targets hold.
enum CrashVersion: String, Sendable {
  case old
  case new
}

/// The scenario's targets before and after a clean apply.
struct CrashReference: Sendable {
  let old: [Data?]
  let new: [Data?]
  let untouched: [Data?]

  /// The version every target holds, or nil when they differ or one matches neither.
  func version(of snapshot: CrashSnapshot) -> CrashVersion? {
    if snapshot.targets == old { return .old }
    if snapshot.targets == new { return .new }
    return nil
  }

  /// Each target's state, for messages: old, new or neither.
  func describe(_ snapshot: CrashSnapshot) -> String {
    zip(CrashScenario.targets, snapshot.targets).enumerated().map { index, pair in
      let (name, bytes) = pair
      let state =
        bytes == old[index]
        ? "old" : bytes == new[index] ? "new" : bytes.map { "neither (\($0.count) bytes)" } ?? "absent"
      return "\(name): \(state)"
    }.joined(separator: ", ")
  }
}

import Foundation
import Glibc
import Testing

// Recovery when a target was changed by hand after the crash, so it holds neither its old nor
// its new version: recover must keep every file, above all the backup that holds the only old
// copy, exit 1 and say which file holds what; once the target is put back it finishes.

/// A change made by hand to a target between the crash and `recover`.
enum HandChange: String, CaseIterable, Sendable {
  /// Another image is moved over the target, as an editor saves a file.
  case replaced
  /// Bytes of the target's header are overwritten in place.
  case rewritten
}

/// Where the crash left the transaction, and which target is changed.
struct HandChangeCase: Sendable, CustomTestStringConvertible {
  /// The clean run is killed at its first rename: committed, nothing replaced yet. The failed
  /// rename's run is killed at the first rename putting a backup back: aborted, with `a.qcow2`
  /// and `b.qcow2` holding their new versions.
  let run: CrashRun
  /// The target changed, relative to the manifest.
  let target: String
  let change: HandChange

  /// The rename at which apply is killed.
  var killedAtRename: Int { run == .clean ? 1 : 3 }
  /// The version recover brings every image to once the target is put back.
  var decision: CrashVersion { run == .clean ? .new : .old }

  var testDescription: String {
    "\(run == .clean ? "committed" : "aborted"), \(target) \(change.rawValue)"
  }

  static let all = [
    (CrashRun.clean, "out/d.qcow2"), (CrashRun.failedRename, "out/d.qcow2"), (CrashRun.failedRename, "a.qcow2"),
  ].flatMap { run, target in HandChange.allCases.map { HandChangeCase(run: run, target: target, change: $0) } }
}

@Suite("recovery when a target holds neither version")
struct HandChangedRecoveryTests {
  @Test(
    "a target changed by hand stops recover: exit 1, every file kept and named; put back, it finishes",
    .enabled(if: CrashTrace.available, "strace is missing or cannot trace here"),
    arguments: HandChangeCase.all)
  func handChanged(_ handCase: HandChangeCase) throws {
    let reference = try CrashScenario.reference.get()
    let scratch = try ApplyScratch("hand")
    defer { scratch.remove() }
    let manifest = try CrashScenario.prepare(scratch)
    let killed = try CrashTrace.killAtRename(handCase.killedAtRename, manifest, environment: handCase.run.environment)
    try #require(killed.crashed, "apply was not killed: exit \(killed.status): \(killed.err)")

    let target = scratch.path(handCase.target)
    let held = try Data(contentsOf: URL(fileURLWithPath: target))
    switch handCase.change {
    case .replaced:
      try FileManager.default.moveItem(atPath: target, toPath: scratch.path("held.qcow2"))
      try scratch.image(handCase.target, template: "small-4k.qcow2")
    case .rewritten:
      try overwrite(target, with: Data("changed by hand".utf8), at: 200)
    }
    let kept = scratch.leftovers()
    let name = String(handCase.target.split(separator: "/").last ?? "")
    let own = kept.filter { $0.split(separator: "/").last?.hasPrefix("." + name + ".qcow-batch-") == true }
    try #require(!own.isEmpty, "no staged file or backup of \(handCase.target) left: \(kept)")
    let before = scratch.files()

    let refused = try TestSupport.qcowBatch(["recover", manifest])

    print("\(handCase.testDescription): recover said: \(refused.err.trimmingCharacters(in: .newlines))")
    #expect(refused.status == 1, "exit \(refused.status): \(refused.err)")
    #expect(refused.err.contains(handCase.target + "' holds neither the old nor the new version"), "\(refused.err)")
    for file in own {
      #expect(refused.err.contains(String(file.split(separator: "/").last ?? "")), "\(file) is not named")
    }
    #expect(scratch.files() == before, "recover changed a file")
    #expect(scratch.leftovers() == kept)

    // With the target put back, the kept files are all recover needs.
    switch handCase.change {
    case .replaced:
      try FileManager.default.removeItem(atPath: target)
      try FileManager.default.moveItem(atPath: scratch.path("held.qcow2"), toPath: target)
    case .rewritten:
      try overwrite(target, with: held, at: 0)
    }
    let finished = try TestSupport.qcowBatch(["recover", manifest])
    #expect(finished.status == 0, "exit \(finished.status): \(finished.err)")
    let after = CrashScenario.snapshot(scratch)
    #expect(reference.version(of: after) == handCase.decision, "\(reference.describe(after))")
    #expect(scratch.leftovers() == [])
  }

  /// Writes `bytes` into the file at `path` at `offset`, in place.
  private func overwrite(_ path: String, with bytes: Data, at offset: UInt64) throws {
    let handle = try FileHandle(forUpdating: URL(fileURLWithPath: path))
    defer { try? handle.close() }
    try handle.seek(toOffset: offset)
    try handle.write(contentsOf: bytes)
  }
}

import Foundation
import Glibc
import Testing

// End-to-end tests of `qcow-batch apply`. Every test runs the built binary on images in its
// own scratch directory.

@Suite("apply: rollback, invalid plans, dry runs and JSON", .serialized)
struct TransactionRollbackTests {
  // MARK: - Rename failures and rollback

  @Test("a failed rename puts back every target already replaced", arguments: RenameFailureCase.all)
  func renameFailureRollsBack(_ failure: RenameFailureCase) throws {
    let scratch = try ApplyScratch("rename")
    defer { scratch.remove() }
    let manifest = try failure.layout.prepare(scratch)
    let names = failure.layout.targets + ["template.qcow2"]
    let before = scratch.states(names)

    let failed = try ApplyRun.run(manifest, environment: ["QCOW_BATCH_TEST_FAIL_RENAME=\(failure.failAt)"])

    #expect(failed.status == 1, "exit \(failed.status): \(failed.err)")
    let failedTarget = failure.layout.targets[failure.failAt - 1]
    #expect(failed.err.contains("cannot rename the staged copy over '\(failedTarget)': Input/output error"))
    let after = scratch.states(names)
    for (index, name) in names.enumerated() {
      #expect(after[index] == before[index], "\(name): \(before[index]) before, \(after[index]) after")
    }
    #expect(scratch.leftovers() == [])

    // The same manifest applies once nothing fails.
    let applied = try ApplyRun.run(manifest)
    #expect(applied.status == 0, "exit \(applied.status): \(applied.err)")
    failure.layout.expectApplied(scratch)
    #expect(scratch.leftovers() == [])
  }

  @Test(
    "an immutable third target fails the commit and leaves every target as it was",
    .enabled(if: Chattr.immutableWorks, "chattr +i is not permitted on this filesystem"))
  func immutableThirdTarget() throws {
    let scratch = try ApplyScratch("immutable")
    defer { scratch.remove() }
    let manifest = try RenameLayout.oneDirectory.prepare(scratch)
    let names = RenameLayout.oneDirectory.targets
    let before = scratch.states(names)
    #expect(try TestSupport.tool("chattr", ["+i", scratch.path("c.qcow2")]).status == 0)
    defer { _ = try? TestSupport.tool("chattr", ["-i", scratch.path("c.qcow2")]) }

    let failed = try ApplyRun.run(manifest)

    // link(2) of an immutable file fails with EPERM, so the commit stops before the first rename.
    print("immutable third target: apply said: \(failed.err.trimmingCharacters(in: .newlines))")
    #expect(failed.status == 1)
    #expect(failed.err.contains("'c.qcow2'") && failed.err.contains("Operation not permitted"))
    #expect(scratch.states(names) == before)
    #expect(scratch.leftovers() == [])
  }

  @Test(
    "a staging failure removes every temporary file and writes no target",
    .enabled(if: FileManager.default.isExecutableFile(atPath: "/usr/bin/prlimit")),
    arguments: 0..<3)
  func stagingFailureCleansUp(largeAt position: Int) throws {
    let scratch = try ApplyScratch("staging")
    defer { scratch.remove() }
    // The image at `position` has a 64 MiB apparent size; an 8 MiB file-size limit (with SIGXFSZ
    // ignored) makes its staging fail with EFBIG while the small images stage fine.
    var names = ["a.qcow2", "b.qcow2", "c.qcow2"]
    names[position] = "large.qcow2"
    for name in names where name != "large.qcow2" { try scratch.image(name) }
    let created = try scratch.qemuImg(
      ["create", "-q", "-f", "qcow2", "-o", "preallocation=metadata", "large.qcow2", "64M"])
    #expect(created.status == 0, "\(created.err)")
    let manifest = try scratch.manifest(
      "m.yaml", names.enumerated().map { ApplyEntry(path: $1, edits: [ApplyEdit.mark("staged-\($0)")]) })
    let before = scratch.states(names)

    let failed = try ApplyRun.shell("trap '' XFSZ; exec prlimit --fsize=8388608 \"$0\" \"$@\"", manifest)

    #expect(failed.status == 1, "exit \(failed.status): \(failed.err)")
    #expect(failed.err.contains("cannot stage 'large.qcow2'") && failed.err.contains("File too large"))
    #expect(scratch.states(names) == before)
    #expect(scratch.leftovers() == [])

    let applied = try ApplyRun.run(manifest)
    #expect(applied.status == 0, "exit \(applied.status): \(applied.err)")
    for (index, name) in names.enumerated() { #expect(scratch.headerContains(name, "staged-\(index)")) }
    #expect(scratch.leftovers() == [])
  }

  @Test("an invalid plan writes nothing")
  func invalidPlanWritesNothing() throws {
    let scratch = try ApplyScratch("invalid")
    defer { scratch.remove() }
    try scratch.image("a.qcow2")
    try scratch.image("template.qcow2")
    try scratch.image("c.qcow2")
    let manifest = try scratch.manifest(
      "m.yaml",
      [
        ApplyEntry(path: "a.qcow2", edits: [ApplyEdit.lazyRefcounts]),
        ApplyEntry(path: "new.qcow2", from: "template.qcow2", edits: [ApplyEdit.mark("new")]),
        ApplyEntry(path: "c.qcow2", expect: ["version: 2"], edits: [ApplyEdit.corruptBit]),
      ])
    let names = ["a.qcow2", "new.qcow2", "c.qcow2", "template.qcow2"]
    let before = scratch.states(names)

    let result = try ApplyRun.run(manifest)

    #expect(result.status == 1)
    #expect(result.err.contains("expected version 2"))
    #expect(!result.out.contains("applied:"))
    #expect(scratch.states(names) == before)
    #expect(scratch.leftovers() == [])
  }

  // MARK: - Dry runs and JSON

  @Test("--dry-run writes nothing", arguments: [false, true])
  func dryRunWritesNothing(json: Bool) throws {
    let scratch = try ApplyScratch("dry")
    defer { scratch.remove() }
    try scratch.image("a.qcow2")
    try scratch.image("template.qcow2")
    let manifest = try scratch.manifest(
      "m.yaml",
      [
        ApplyEntry(path: "a.qcow2", edits: [ApplyEdit.lazyRefcounts]),
        ApplyEntry(path: "new.qcow2", from: "template.qcow2", edits: [ApplyEdit.mark("new")]),
      ])
    let names = ["a.qcow2", "new.qcow2", "template.qcow2"]
    let before = scratch.states(names)

    let result = try ApplyRun.run(manifest, ["--dry-run"] + (json ? ["--json"] : []))

    #expect(result.status == 0, "exit \(result.status): \(result.err)")
    if json {
      let document = ApplyRun.document(result)
      #expect(document?["applied"] as? Bool == false && document?["valid"] as? Bool == true, "\(result.out)")
    } else {
      #expect(result.out.contains("plan is valid: 2 images") && !result.out.contains("applied:"))
    }
    #expect(scratch.states(names) == before)
    #expect(scratch.leftovers() == [])
  }

  @Test("apply --json prints one JSON document, whatever happens", arguments: JSONCase.allCases)
  func jsonDocument(_ jsonCase: JSONCase) throws {
    let scratch = try ApplyScratch("json")
    defer { scratch.remove() }
    try scratch.image("a.qcow2")
    try scratch.image("template.qcow2")
    var entries = [
      ApplyEntry(path: "a.qcow2", edits: [ApplyEdit.lazyRefcounts]),
      ApplyEntry(path: "new.qcow2", from: "template.qcow2", edits: [ApplyEdit.mark("new")]),
    ]
    var environment: [String] = []
    switch jsonCase {
    case .applied: break
    case .renameFails: environment = ["QCOW_BATCH_TEST_FAIL_RENAME=2"]
    case .invalidPlan: entries[0].expect = ["version: 2"]
    case .missingDirectory: entries[1] = ApplyEntry(path: "nowhere/new.qcow2", from: "template.qcow2")
    }
    let manifest = try scratch.manifest("m.yaml", entries)
    let names = ["a.qcow2", "new.qcow2", "template.qcow2"]
    let before = scratch.states(names)

    let result = try ApplyRun.run(manifest, ["--json"], environment: environment)

    let document = ApplyRun.document(result)
    #expect(document != nil, "not one JSON document: \(result.out)")
    let errors = document?["errors"] as? [[String: Any]] ?? []
    let messages = errors.compactMap { $0["message"] as? String }
    if jsonCase == .applied {
      #expect(result.status == 0, "exit \(result.status): \(result.err)")
      #expect(document?["applied"] as? Bool == true && document?["valid"] as? Bool == true)
      #expect((document?["images"] as? [Any])?.count == 2 && errors.isEmpty)
      #expect(scratch.hasLazyRefcounts("a.qcow2") && scratch.headerContains("new.qcow2", "new"))
    } else {
      #expect(result.status == 1, "exit \(result.status)")
      #expect(document?["applied"] as? Bool == false)
      #expect(!messages.isEmpty, "the JSON does not say why nothing was applied; stderr: \(result.err)")
      let expected = [
        "renameFails": "cannot rename", "invalidPlan": "expected version 2", "missingDirectory": "nowhere",
      ]
      #expect(messages.contains { $0.contains(expected[jsonCase.rawValue] ?? "?") }, "\(messages)")
      #expect(scratch.states(names) == before)
    }
    #expect(scratch.leftovers() == [])
  }
}

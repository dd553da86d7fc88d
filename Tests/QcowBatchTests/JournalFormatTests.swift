import Foundation
import Testing

// The journal's own form: which paths it records relative to its directory, a journal written
// by the previous format (1), and one of a format this qcow-batch does not know.

@Suite("the journal: recorded paths, format 1 and unknown formats")
struct JournalFormatTests {
  @Test(
    "a format-1 journal (absolute paths, fingerprints with other device and inode numbers) is recovered",
    .enabled(if: CrashTrace.available, "strace is missing or cannot trace here"))
  func formatOne() throws {
    let reference = try CrashScenario.reference.get()
    let scratch = try ApplyScratch("journal-v1")
    defer { scratch.remove() }
    let manifest = try CrashScenario.prepare(scratch)
    let killed = try CrashTrace.killAtRename(3, manifest)
    try #require(killed.crashed, "apply was not killed: exit \(killed.status): \(killed.err)")
    // What the previous qcow-batch wrote: format 1, absolute paths, DEVICE:INODE:SIZE:HASH, here
    // with numbers no file has, as after a reboot that renumbered the disk.
    let directory = scratch.root.path + "/"
    try rewriteJournal(scratch) { fields in
      switch fields.first {
      case "qcow-batch-journal": return [fields[0], "1", fields[2]]
      case "image": return [fields[0]] + fields.dropFirst().map { $0 == "-" ? $0 : directory + $0 }
      case "version": return [fields[0], fields[1]] + fields.dropFirst(2).map { $0 == "-" ? $0 : "64769:4242:" + $0 }
      default: return fields
      }
    }

    let recovered = try TestSupport.qcowBatch(["recover", manifest])

    #expect(recovered.status == 0, "exit \(recovered.status): \(recovered.err)")
    #expect(recovered.out.contains("rolled forward"), "\(recovered.out)")
    let after = CrashScenario.snapshot(scratch)
    #expect(reference.version(of: after) == .new, "\(reference.describe(after))")
    #expect(scratch.leftovers() == [])
  }

  @Test(
    "a journal of an unknown format is refused by recover and apply, naming the way out; nothing changes",
    .enabled(if: CrashTrace.available, "strace is missing or cannot trace here"))
  func unknownFormat() throws {
    let scratch = try ApplyScratch("journal-v3")
    defer { scratch.remove() }
    let manifest = try CrashScenario.prepare(scratch)
    let killed = try CrashTrace.killAtRename(3, manifest)
    try #require(killed.crashed, "apply was not killed: exit \(killed.status): \(killed.err)")
    try rewriteJournal(scratch) { $0.first == "qcow-batch-journal" ? [$0[0], "3", $0[2]] : $0 }
    let before = scratch.files()

    for command in ["recover", "apply"] {
      let refused = try TestSupport.qcowBatch([command, manifest])

      #expect(refused.status == 1, "\(command): exit \(refused.status): \(refused.err)")
      #expect(
        refused.err.contains("is in format 3, which this qcow-batch (format 2) cannot read")
          && refused.err.contains("'qcow-batch recover' of the version that wrote it"), "\(command): \(refused.err)")
      #expect(scratch.files() == before, "\(command) changed a file")
    }
  }

  @Test(
    "targets inside the manifest's directory are recorded relative to it, others absolute; both recover",
    .enabled(if: CrashTrace.available, "strace is missing or cannot trace here"))
  func recordedPaths() throws {
    let scratch = try ApplyScratch("journal-paths")
    defer { scratch.remove() }
    try scratch.directory("m/sub")
    try scratch.directory("images")
    try scratch.image("m/sub/in.qcow2")
    try scratch.image("images/out.qcow2")
    let manifest = try scratch.manifest(
      "m/m.yaml",
      [
        ApplyEntry(path: "sub/in.qcow2", edits: [ApplyEdit.mark("inside")]),
        ApplyEntry(path: "../images/out.qcow2", edits: [ApplyEdit.mark("outside")]),
      ])
    let killed = try CrashTrace.killAtRename(1, manifest)
    try #require(killed.crashed, "apply was not killed: exit \(killed.status): \(killed.err)")

    let journal = try String(contentsOfFile: scratch.path("m/.m.yaml.qcow-batch-journal"), encoding: .utf8)
    let images = journal.split(separator: "\n").map { $0.split(separator: "\t").map(String.init) }
      .filter { $0.first == "image" }
    try #require(images.count == 2, "\(journal)")
    #expect(images[0].dropFirst().allSatisfy { $0.hasPrefix("sub/.in.qcow2.qcow-batch-") || $0 == "sub/in.qcow2" })
    let outside = try #require(TestSupport.canonical(scratch.path("images")))
    #expect(images[1].dropFirst().allSatisfy { $0.hasPrefix(outside + "/") }, "\(images[1])")

    let recovered = try TestSupport.qcowBatch(["recover", manifest])

    #expect(recovered.status == 0, "exit \(recovered.status): \(recovered.err)")
    #expect(scratch.headerContains("m/sub/in.qcow2", "inside") && scratch.headerContains("images/out.qcow2", "outside"))
    #expect(scratch.leftovers() == [])
  }

  /// Rewrites the scenario's journal line by line with `transform` (on the tab-separated
  /// fields), then sets each checksum record to the SHA-256 of the lines before it, as the
  /// writer of that form would have.
  private func rewriteJournal(_ scratch: ApplyScratch, _ transform: ([String]) -> [String]) throws {
    let path = scratch.path(".m.yaml.qcow-batch-journal")
    let text = try String(contentsOfFile: path, encoding: .utf8)
    var rewritten = ""
    for line in text.split(separator: "\n") {
      var fields = transform(line.split(separator: "\t", omittingEmptySubsequences: false).map(String.init))
      if ["begin", "commit", "abort"].contains(fields.first), fields.count == 2 {
        let sum = try TestSupport.run(
          URL(fileURLWithPath: "/usr/bin/env"), ["sha256sum"], stdin: Data(rewritten.utf8))
        fields[1] = String(sum.out.prefix(64))
      }
      rewritten += fields.joined(separator: "\t") + "\n"
    }
    try rewritten.write(toFile: path, atomically: false, encoding: .utf8)
  }
}

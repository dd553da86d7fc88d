import Foundation
import Testing

/// Applying a manifest twice: the second run leaves every target untouched, and only an
/// image changed on disk since is written again.
@Suite("apply converges")
struct ConvergenceTests {
  static let manifest = """
    version: 1
    images:
      - path: out/a.qcow2
        from: templates/base.qcow2
        edits:
          - set-feature-bit: {group: incompatible, bit: 1}
      - path: out/b.qcow2
        create: {size: 64M, lazy_refcounts: true}
      - path: out/c.qcow2
        from: templates/written.qcow2
        edits:
          - set: {at: "l2[vaddr=0]", copied: 0}
          - truncate: {size: "@eof + 64k"}
          - truncate: {size: "@eof - 32k"}
      - path: images/existing.qcow2
        edits:
          - set-feature-bit: {group: compatible, bit: 0}
    """
  static let targets = ["out/a.qcow2", "out/b.qcow2", "out/c.qcow2", "images/existing.qcow2"]

  @Test("a second apply writes nothing; after one image changes, only it is rewritten")
  func secondApply() throws {
    let workspace = try ManifestWorkspace()
    defer { workspace.remove() }
    try workspace.writeManifest(ConvergenceTests.manifest)
    let first = try workspace.qcowBatch(["apply", "--quiet"])
    try #require(first.status == 0, "\(first.err)")
    #expect(first.out.contains("applied: 4 images written"))
    let written = try identities(workspace)

    // The second run: every target already holds its result.
    #expect(try workspace.qcowBatch(["plan", "--detailed-exitcode"]).status == 0)
    let trace = workspace.root.appendingPathComponent("apply.strace")
    let second = try TestSupport.tool(
      "strace",
      [
        "-f", "-e", "trace=openat,rename,renameat,renameat2,unlink,unlinkat,truncate,ftruncate", "-o", trace.path,
        TestSupport.binary.path, "apply", "--quiet", workspace.path(ManifestWorkspace.manifestName),
      ])
    try #require(second.status == 0, "\(second.err)")
    #expect(second.out.contains("applied: 0 images written, 4 unchanged"), "\(second.out)")
    #expect(second.out.components(separatedBy: "unchanged: the target already holds the result").count == 5)
    #expect(try identities(workspace) == written, "inode or mtime changed")
    let calls = try String(contentsOf: trace, encoding: .utf8).split(separator: "\n")
    let writes = calls.filter { line in
      ConvergenceTests.targets.contains { line.contains($0) }
        && (line.contains("O_WRONLY") || line.contains("O_RDWR") || line.contains("O_CREAT")
          || line.contains("rename") || line.contains("unlink") || line.contains("truncate"))
    }
    #expect(writes.isEmpty, "writes to targets: \(writes)")

    // One image changed by hand: the plan says so, and apply writes only it.
    try expectSuccess(
      TestSupport.qcowBatch(["qcow2", workspace.path("out/b.qcow2"), "set-feature-bit", "autoclear", "5"]), "qcow2")
    let changed = try identities(workspace)
    #expect(try workspace.qcowBatch(["plan", "--detailed-exitcode"]).status == 2)
    let third = try workspace.qcowBatch(["apply", "--quiet"])
    #expect(third.out.contains("applied: 1 image written, 3 unchanged"), "\(third.out)")
    let after = try identities(workspace)
    for target in ConvergenceTests.targets {
      if target == "out/b.qcow2" {
        #expect(after[target] != changed[target], "b was not rewritten")
      } else {
        #expect(after[target] == changed[target], "\(target) was rewritten")
      }
    }
    #expect(try workspace.qcowBatch(["plan", "--detailed-exitcode"]).status == 0)
    // --force rewrites every target.
    let forced = try workspace.qcowBatch(["apply", "--quiet", "--force"])
    #expect(forced.out.contains("applied: 4 images written"), "\(forced.out)")
  }

  @Test("a setup step's pattern converges, and one byte changed inside it is found")
  func setupPattern() throws {
    let workspace = try ManifestWorkspace()
    defer { workspace.remove() }
    // 3 MiB of pattern from host offset 0x50000: the chunks from 1 MiB to 3 MiB lie wholly in it.
    try workspace.writeManifest(
      """
      version: 1
      images:
        - path: out/s.qcow2
          create: {size: 64M}
          setup:
            - write: {offset: 0, length: 3M, pattern: 0x61}
      """)
    try #require(try workspace.qcowBatch(["apply", "--quiet"]).status == 0)
    #expect(try workspace.qcowBatch(["plan", "--detailed-exitcode"]).status == 0)
    let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: workspace.path("out/s.qcow2")))
    try handle.seek(toOffset: 0x20_0000)
    try handle.write(contentsOf: Data([0x62]))
    try handle.close()
    #expect(try workspace.qcowBatch(["plan", "--detailed-exitcode"]).status == 2)
    let again = try workspace.qcowBatch(["apply", "--quiet"])
    #expect(again.out.contains("applied: 1 image written"), "\(again.out)")
    #expect(try workspace.qcowBatch(["plan", "--detailed-exitcode"]).status == 0)
  }

  /// Inode and modification time of each target.
  private func identities(_ workspace: ManifestWorkspace) throws -> [String: String] {
    var result: [String: String] = [:]
    for target in ConvergenceTests.targets {
      let attributes = try FileManager.default.attributesOfItem(atPath: workspace.path(target))
      let inode = (attributes[.systemFileNumber] as? NSNumber)?.stringValue ?? "?"
      let date = (attributes[.modificationDate] as? Date)?.timeIntervalSince1970 ?? 0
      result[target] = "\(inode) \(date)"
    }
    return result
  }
}

import Foundation
import Testing

/// Manifests as build graphs: entries made from other entries' results, in one transaction.
@Suite("build graph")
struct BuildGraphTests {
  /// A base the manifest creates (listed last), nine variants of it, and a tenth made from
  /// the fourth variant: eleven images, each with its own feature bits.
  static let manifest: String = {
    var lines = ["version: 1", "images:"]
    for index in 0..<9 {
      lines += [
        "  - path: v\(index).qcow2", "    from: base.qcow2", "    edits:",
        "      - set-feature-bit: {group: autoclear, bit: \(10 + index)}",
      ]
    }
    lines += [
      "  - path: v9.qcow2", "    from: v3.qcow2", "    edits:", "      - set-feature-bit: {group: compatible, bit: 5}",
      "  - path: base.qcow2", "    create: {size: 64M, lazy_refcounts: true}",
    ]
    return lines.joined(separator: "\n") + "\n"
  }()

  /// A new directory holding `text` as `m.yaml`, and the manifest's URL.
  static func directory(with text: String) throws -> (URL, URL) {
    let directory = try TestSupport.makeTemporaryDirectory("qcow-batch-graph")
    let manifest = directory.appendingPathComponent("m.yaml")
    try Data(text.utf8).write(to: manifest)
    return (directory, manifest)
  }

  @Test("ten variants of a base the manifest creates, one of them from another variant")
  func variants() throws {
    let (directory, manifest) = try BuildGraphTests.directory(with: BuildGraphTests.manifest)
    defer { try? FileManager.default.removeItem(at: directory) }
    let plan = try TestSupport.qcowBatch(["plan", manifest.path])
    // The base is built first, v3 before v9.
    let order = plan.out.split(separator: "\n").filter { !$0.hasPrefix(" ") && $0.contains(".qcow2") }
      .map { String($0.split(separator: " ")[0]) }
    #expect(order.first == "base.qcow2", "\(order)")
    #expect((order.firstIndex(of: "v3.qcow2") ?? 99) < (order.firstIndex(of: "v9.qcow2") ?? -1))
    let result = try ApplyRun.run(manifest.path)
    try #require(result.status == 0, "\(result.err)")
    #expect(result.out.contains("applied: 11 images written"))
    for index in 0..<10 {
      let dump = try TestSupport.qcowBatch([
        "qcow2", directory.appendingPathComponent("v\(index).qcow2").path, "dump-header", "-j",
      ])
      let header = try #require(
        try JSONSerialization.jsonObject(with: Data(dump.out.components(separatedBy: "\n\n")[0].utf8)) as? [String: Any]
      )
      let autoclear = (header["autoclear_features"] as? NSNumber)?.uint64Value
      let compatible = (header["compatible_features"] as? NSNumber)?.uint64Value
      #expect(autoclear == 1 << UInt64(index == 9 ? 13 : 10 + index), "v\(index)")
      #expect(compatible == (index == 9 ? 1 | 1 << 5 : 1), "v\(index): lazy refcounts from the base")
      let check = try TestSupport.tool("qemu-img", ["check", directory.appendingPathComponent("v\(index).qcow2").path])
      #expect(check.status == 0, "v\(index): \(check.out)")
    }
  }

  @Test("a failure in the last variant leaves none of them, and no base, behind")
  func failureLeavesNothing() throws {
    let (directory, manifest) = try BuildGraphTests.directory(with: BuildGraphTests.manifest)
    defer { try? FileManager.default.removeItem(at: directory) }
    let result = try ApplyRun.run(manifest.path, environment: ["QCOW_BATCH_TEST_FAIL_RENAME=11"])
    #expect(result.status == 1)
    let left = try FileManager.default.contentsOfDirectory(atPath: directory.path)
    #expect(left == ["m.yaml"], "\(left)")
  }

  @Test("a cycle of three entries is one error with the other two as notes")
  func cycle() throws {
    let directory = try TestSupport.makeTemporaryDirectory("qcow-batch-graph")
    defer { try? FileManager.default.removeItem(at: directory) }
    let manifest = directory.appendingPathComponent("m.yaml")
    try Data(
      """
      version: 1
      images:
        - path: a.qcow2
          from: c.qcow2
        - path: b.qcow2
          from: a.qcow2
        - path: c.qcow2
          from: b.qcow2
        - path: d.qcow2
          create: {size: 1M}

      """.utf8
    ).write(to: manifest)
    let result = try TestSupport.qcowBatch(["plan", "m.yaml"], directory: directory)
    #expect(result.status == 1)
    let output = DiagnosticOutput(result.err, file: "m.yaml")
    #expect(
      output.errors == [
        "m.yaml:3:11: error: these entries build from each other in a cycle: 'a.qcow2' -> 'c.qcow2' -> 'b.qcow2' -> 'a.qcow2'"
      ])
    #expect(result.err.contains("m.yaml:7:11: note: 'c.qcow2' is in the cycle"), "\(result.err)")
    #expect(result.err.contains("m.yaml:5:11: note: 'b.qcow2' is in the cycle"), "\(result.err)")
  }
}

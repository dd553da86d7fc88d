import Foundation
import Testing

/// Manifests of more images than the soft limit on open descriptors (often 1024) allows:
/// entries from one template share its descriptor, and the soft limit is raised to the hard.
@Suite struct OpenFileLimitTests {
  /// Under `prlimit --nofile=SOFT:HARD`, applies 300 entries whose sources are one template
  /// or each its own copy; returns the apply's result and the directory.
  private func apply(distinctSources: Bool, soft: Int, hard: Int) throws -> (ProcessResult, URL) {
    let directory = try TestSupport.makeTemporaryDirectory("qcow-batch-open-files")
    let count = 300
    try FileManager.default.createDirectory(
      at: directory.appendingPathComponent("out"), withIntermediateDirectories: true)
    let template = directory.appendingPathComponent("t0.qcow2").path
    let created = try TestSupport.qcowBatch(["create", "-q", template, "64M"])
    try #require(created.status == 0, "\(created.err)")
    var manifest = "version: 1\nimages:\n"
    for index in 0..<count {
      let source = distinctSources ? "t\(index).qcow2" : "t0.qcow2"
      if distinctSources && index > 0 {
        try FileManager.default.copyItem(atPath: template, toPath: directory.appendingPathComponent(source).path)
      }
      manifest +=
        "  - path: out/i\(index).qcow2\n    from: \(source)\n    edits:\n      - set-feature-bit compatible 0\n"
    }
    let path = directory.appendingPathComponent("m.yaml").path
    try manifest.write(toFile: path, atomically: true, encoding: .utf8)
    let result = try TestSupport.tool(
      "prlimit", ["--nofile=\(soft):\(hard)", TestSupport.binary.path, "apply", "-q", path])
    return (result, directory)
  }

  @Test("300 entries from one template apply with 64 descriptors: they share one")
  func sharedTemplate() throws {
    let (result, directory) = try apply(distinctSources: false, soft: 64, hard: 64)
    defer { try? FileManager.default.removeItem(at: directory) }
    #expect(result.status == 0, "\(result.err)")
    let written = try FileManager.default.contentsOfDirectory(atPath: directory.appendingPathComponent("out").path)
    #expect(written.count == 300)
  }

  @Test("300 distinct sources apply under a soft limit of 64 descriptors: it is raised to the hard limit")
  func raisedLimit() throws {
    let (result, directory) = try apply(distinctSources: true, soft: 64, hard: 4096)
    defer { try? FileManager.default.removeItem(at: directory) }
    #expect(result.status == 0, "\(result.err)")
    let written = try FileManager.default.contentsOfDirectory(atPath: directory.appendingPathComponent("out").path)
    #expect(written.count == 300)
  }
}

import Foundation
import Testing

/// Manifests of more images than the soft limit on open descriptors (often 1024) allows:
/// entries from one template share its descriptor, and the soft limit is raised to the hard.
@Suite struct OpenFileLimitTests {
  /// 300 entries under `prlimit --nofile=SOFT:HARD`, from one template or each from its own copy.
  struct Case: Sendable, CustomTestStringConvertible {
    let testDescription: String
    let distinctSources: Bool
    let soft: Int
    let hard: Int
  }

  static let cases = [
    Case(
      testDescription: "300 entries from one template, 64 descriptors: they share one", distinctSources: false,
      soft: 64, hard: 64),
    Case(
      testDescription: "300 distinct sources, a soft limit of 64: it is raised to the hard limit",
      distinctSources: true, soft: 64, hard: 4096),
  ]

  @Test("a manifest of more images than descriptors applies", arguments: cases)
  func manyImages(_ testCase: Case) throws {
    let directory = try TestSupport.makeTemporaryDirectory("qcow-batch-open-files")
    defer { try? FileManager.default.removeItem(at: directory) }
    let count = 300
    let out = directory.appendingPathComponent("out")
    try FileManager.default.createDirectory(at: out, withIntermediateDirectories: true)
    let template = directory.appendingPathComponent("t0.qcow2").path
    let created = try TestSupport.qcowBatch(["create", "-q", template, "64M"])
    try #require(created.status == 0, "\(created.err)")
    var manifest = "version: 1\nimages:\n"
    for index in 0..<count {
      let source = testCase.distinctSources ? "t\(index).qcow2" : "t0.qcow2"
      if testCase.distinctSources && index > 0 {
        try FileManager.default.copyItem(atPath: template, toPath: directory.appendingPathComponent(source).path)
      }
      manifest += "  - path: out/i\(index).qcow2\n    from: \(source)\n"
      manifest += "    edits:\n      - set-feature-bit compatible 0\n"
    }
    let path = directory.appendingPathComponent("m.yaml").path
    try manifest.write(toFile: path, atomically: true, encoding: .utf8)
    let result = try TestSupport.tool(
      "prlimit", ["--nofile=\(testCase.soft):\(testCase.hard)", TestSupport.binary.path, "apply", "-q", path])
    #expect(result.status == 0, "\(result.err)")
    #expect(try FileManager.default.contentsOfDirectory(atPath: out.path).count == count)
  }
}

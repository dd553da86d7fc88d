import Foundation
import Testing

/// One recorded run of the reference qcow2.py: on a reference image (Fixtures/qcow2py/cases.tsv)
/// or on a broken state of one (state-cases.tsv, made by scripts/qcow2py-vectors).
struct Qcow2PyCase: CustomStringConvertible, Sendable {
  let id: String
  let kind: String
  let expected: URL

  var description: String { id }

  /// Every case of both vector tables.
  static let all: [Qcow2PyCase] = ["cases.tsv", "state-cases.tsv"].flatMap(cases)

  /// The cases of one table.
  private static func cases(_ name: String) -> [Qcow2PyCase] {
    let directory = TestSupport.fixtures.appendingPathComponent("qcow2py")
    guard let table = try? String(contentsOf: directory.appendingPathComponent(name), encoding: .utf8)
    else { return [] }
    return table.split(separator: "\n").compactMap { line in
      let columns = line.split(separator: "\t", maxSplits: 2, omittingEmptySubsequences: false)
      guard columns.count >= 2 else { return nil }
      return Qcow2PyCase(
        id: String(columns[0]), kind: String(columns[1]),
        expected: directory.appendingPathComponent("expected"))
    }
  }

  func file(_ suffix: String) -> URL { expected.appendingPathComponent("\(id).\(suffix)") }

  /// Writes the image the case starts from to `url`.
  func makeImage(at url: URL) throws {
    if let state = BrokenState.named(kind) {
      try state.make(at: url)
    } else {
      try FileManager.default.copyItem(
        at: TestSupport.fixtures.appendingPathComponent("qcow2py/images/\(kind).qcow2"), to: url)
    }
  }

  /// The arguments after the image, one per line of ID.args.
  func arguments() throws -> [String] {
    var text = try String(contentsOf: file("args"), encoding: .utf8)
    if text.hasSuffix("\n") { text.removeLast() }
    return text.components(separatedBy: "\n")
  }
}

@Suite("qcow2.py reference vectors")
struct Qcow2PyVectorTests {
  @Test("every vector matches stdout, exit code, image hash and dump afterwards", arguments: Qcow2PyCase.all)
  func vector(_ vector: Qcow2PyCase) throws {
    let fileManager = FileManager.default
    let directory = try TestSupport.makeTemporaryDirectory()
    defer { try? fileManager.removeItem(at: directory) }
    let image = directory.appendingPathComponent("\(vector.kind).qcow2")
    try vector.makeImage(at: image)
    let input = fileManager.contents(atPath: vector.file("in").path)
    let result = try TestSupport.qcowBatch(["qcow2", image.path] + vector.arguments(), stdin: input ?? Data())

    #expect(!result.crashed)
    let expectedStatus = Int32(
      (try String(contentsOf: vector.file("rc"), encoding: .utf8)).trimmingCharacters(in: .whitespacesAndNewlines))
    if fileManager.fileExists(atPath: vector.file("fails").path) {
      // The reference failed or damaged the image: ours must fail cleanly with one line and
      // touch nothing.
      #expect(result.status != 0)
      let message = (result.out + result.err).trimmingCharacters(in: .newlines)
      #expect(!message.isEmpty && !message.contains("\n"), "one-line message, got: \(message)")
    } else {
      #expect(result.status == expectedStatus)
      #expect(result.out == (try String(contentsOf: vector.file("out"), encoding: .utf8)))
    }
    let expectedHash = try String(contentsOf: vector.file("sha"), encoding: .utf8)
      .trimmingCharacters(in: .whitespacesAndNewlines)
    #expect(try TestSupport.sha256(image) == expectedHash)
    let after = try TestSupport.qcowBatch(["qcow2", image.path, "dump-header"])
    if fileManager.fileExists(atPath: vector.file("after-fails").path) {
      #expect(after.status != 0, "the reference cannot read the result, so neither can ours")
    } else {
      #expect(after.out == (try String(contentsOf: vector.file("after"), encoding: .utf8)))
    }
  }

  @Test("the vector tables are complete: 133 cases on reference images, 7 or 8 commands on each broken state")
  func tableIsComplete() {
    #expect(BrokenState.all.count == 18)
    // Every command, and setting the poked field back; a cut file has no field to set back.
    let poked = BrokenState.all.filter { !$0.isCut }.count
    #expect(Qcow2PyCase.all.count == 133 + 8 * poked + 7 * (BrokenState.all.count - poked))
  }
}

import Foundation
import Testing

/// The fuzzers' inputs (scripts/fuzz) replayed through the built binary: the seed corpus in
/// Fuzz/Corpus and every finding, kept in Fixtures/fuzz. Each input must end in a result or a
/// one-line error within `BoundedRun`'s memory and CPU caps, never in a crash; reading or
/// planning must leave the files as they were.
@Suite("fuzz regressions")
struct FuzzRegressionTests {
  /// The header inputs: images, by path relative to the package root.
  static let headerInputs = inputs("header")
  /// The manifest inputs, by path relative to the package root.
  static let manifestInputs = inputs("manifest")

  /// The files of Fuzz/Corpus/TARGET and Tests/QcowBatchTests/Fixtures/fuzz/TARGET.
  static func inputs(_ target: String) -> [String] {
    ["Fuzz/Corpus/\(target)", "Tests/QcowBatchTests/Fixtures/fuzz/\(target)"].flatMap { directory in
      let url = TestSupport.packageRoot.appendingPathComponent(directory)
      let names = (try? FileManager.default.contentsOfDirectory(atPath: url.path)) ?? []
      return names.sorted().map { "\(directory)/\($0)" }
    }
  }

  /// The images of the manifest fuzzer's sandbox, by name, as names in Fuzz/Corpus/header
  /// (`Sandbox` in Fuzz/ManifestFuzzer.swift), and the text of its `payload.bin`.
  static let sandboxImages = [
    "base.qcow2": "v3-backing.qcow2", "old.qcow2": "v2.qcow2", "lazy.qcow2": "v3-4k-lazy.qcow2",
    "bitmaps.qcow2": "v3-bitmaps.qcow2",
  ]
  static let sandboxPayload = "payload bytes\n"

  /// Fills `directory` with the manifest fuzzer's sandbox; returns the images' bytes by name.
  static func makeSandbox(in directory: URL) throws -> [String: Data] {
    let seeds = TestSupport.packageRoot.appendingPathComponent("Fuzz/Corpus/header")
    var images: [String: Data] = [:]
    for (name, seed) in sandboxImages {
      let bytes = try Data(contentsOf: seeds.appendingPathComponent(seed))
      try bytes.write(to: directory.appendingPathComponent(name))
      images[name] = bytes
    }
    try Data(sandboxPayload.utf8).write(to: directory.appendingPathComponent("payload.bin"))
    return images
  }

  @Test("the fuzz inputs are there") func inputsExist() {
    #expect(FuzzRegressionTests.headerInputs.count >= 5)
    #expect(FuzzRegressionTests.manifestInputs.count >= 5)
  }

  @Test("a header input is read, dumped and edited without a crash", arguments: headerInputs)
  func header(_ input: String) throws {
    let directory = try TestSupport.makeTemporaryDirectory("qcow-batch-fuzz")
    defer { try? FileManager.default.removeItem(at: directory) }
    let original = try Data(contentsOf: TestSupport.packageRoot.appendingPathComponent(input))
    let image = directory.appendingPathComponent("image.qcow2")
    try original.write(to: image)
    let readers = [
      ["info", image.path], ["info", image.path, "--json"], ["qcow2", image.path, "dump-header"],
      ["qcow2", image.path, "dump-header", "-j"], ["qcow2", image.path, "dump-header-exts"],
      ["qcow2", image.path, "dump-header-exts", "-j"],
    ]
    for arguments in readers {
      try expectNoCrash(arguments)
    }
    #expect(try Data(contentsOf: image) == original, "reading changed the image")
    let editors = [
      ["add-header-ext", "0x12345678", "fuzz"], ["set-feature-bit", "incompatible", "1"],
      ["set-header", "l1_size", "4"], ["del-header-ext", "0x12345678"],
    ]
    for arguments in editors {
      try expectNoCrash(["qcow2", image.path] + arguments)
    }
  }

  @Test("a manifest input is loaded and planned without a crash", arguments: manifestInputs)
  func manifest(_ input: String) throws {
    let directory = try TestSupport.makeTemporaryDirectory("qcow-batch-fuzz")
    defer { try? FileManager.default.removeItem(at: directory) }
    let originals = try FuzzRegressionTests.makeSandbox(in: directory)
    try Data(contentsOf: TestSupport.packageRoot.appendingPathComponent(input))
      .write(to: directory.appendingPathComponent("manifest.yaml"))
    let names = try FileManager.default.contentsOfDirectory(atPath: directory.path).sorted()
    let manifest = directory.appendingPathComponent("manifest.yaml").path
    try expectNoCrash(["plan", manifest])
    try expectNoCrash(["plan", manifest, "--json"])
    for (name, bytes) in originals {
      #expect(try Data(contentsOf: directory.appendingPathComponent(name)) == bytes, "plan changed \(name)")
    }
    #expect(try FileManager.default.contentsOfDirectory(atPath: directory.path).sorted() == names, "plan made files")
  }

  /// Runs qcow-batch with `arguments` under `BoundedRun`'s memory and CPU caps, and expects an
  /// ordinary exit: 0, or 1 with a message.
  private func expectNoCrash(_ arguments: [String]) throws {
    let result = try BoundedRun.qcowBatch(arguments, stdin: nil)
    let command = arguments.joined(separator: " ")
    #expect(!result.crashed, "\(command) crashed: \(result.err)")
    #expect([0, 1].contains(result.status), "\(command) exited \(result.status): \(result.err)")
    if result.status == 1 {
      #expect(!(result.err + result.out).isEmpty, "\(command) failed without a message")
    }
  }
}

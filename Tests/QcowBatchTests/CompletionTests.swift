import Foundation
import QcowCore
import Testing

/// The bash completion script qcow-batch generates, run by bash with Debian's bash-completion
/// loaded (Fixtures/tools/complete.bash), in a directory holding an image, a manifest and a
/// folder.
@Suite struct CompletionTests {
  @Test(
    "bash completes sub-commands, files of the right kind, qcow2 commands, field names and groups",
    arguments: [
      ("qcow-batch ap", ["apply"]),
      (
        "qcow-batch ",
        ["plan", "apply", "recover", "create", "qcow2", "info", "get", "schema", "help", "-h", "--help", "--version"]
      ),
      ("qcow-batch qcow2 IMG set-header ", HeaderField.all.map(\.name)),
      ("qcow-batch qcow2 IMG set-header l1", ["l1_size", "l1_table_offset"]),
      ("qcow-batch qcow2 IMG set-feature-bit ", ["incompatible", "compatible", "autoclear"]),
      ("qcow-batch qcow2 IMG -j dump", ["dump-header", "dump-header-exts"]),
      (
        "qcow-batch qcow2 IMG ",
        [
          "dump-header", "dump-header-exts", "set-header", "add-header-ext", "add-header-ext-stdio", "del-header-ext",
          "set-feature-bit",
        ]
      ),
      ("qcow-batch qcow2 IMG set-header l1_size ", []),
      ("qcow-batch qcow2 ", [".hidden.qcow2", "disk.qcow2", "m.yaml", "sub"]),
      ("qcow-batch qcow2 sub/", ["sub/inner.qcow2"]),
      ("qcow-batch info ", [".hidden.qcow2", "disk.qcow2", "m.yaml", "sub"]),
      ("qcow-batch plan ", ["m.yaml", "sub"]),
      ("qcow-batch apply --dry-run m", ["m.yaml"]),
      ("qcow-batch create -b d", ["disk.qcow2"]),
    ])
  func completes(_ line: String, _ expected: [String]) throws {
    let root = try TestSupport.makeTemporaryDirectory("qcow-batch-completion")
    defer { try? FileManager.default.removeItem(at: root) }
    let directory = root.appendingPathComponent("work")
    try FileManager.default.createDirectory(
      at: directory.appendingPathComponent("sub"), withIntermediateDirectories: true)
    for name in ["disk.qcow2", "m.yaml", "sub/inner.qcow2", ".hidden.qcow2"] {
      try Data().write(to: directory.appendingPathComponent(name))
    }
    let generated = try TestSupport.qcowBatch(["--generate-completion-script", "bash"])
    try #require(generated.status == 0, "\(generated.err)")
    let script = root.appendingPathComponent("qcow-batch.bash")
    try generated.stdout.write(to: script)
    // The script's custom completions run the command it completes, found on PATH.
    let path =
      TestSupport.binary.deletingLastPathComponent().path + ":"
      + (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin")
    let completer = TestSupport.fixtures.appendingPathComponent("tools/complete.bash").path
    let result = try TestSupport.run(
      URL(fileURLWithPath: "/usr/bin/env"), ["PATH=\(path)", "/bin/bash", completer, script.path, line],
      directory: directory)
    #expect(result.status == 0, "\(result.err)")
    let candidates = result.out.split(separator: "\n").map(String.init)
    #expect(candidates.sorted() == expected.sorted(), "'\(line)': \(result.err)")
  }
}

import Foundation
import Testing

/// The progress line of `apply`: on a terminal only, silenced by `--quiet`.
@Suite("progress")
struct ProgressTests {
  /// How `apply` runs: under a pseudo-terminal (through `script`) or with pipes, and its flags.
  struct Mode: CustomStringConvertible, Sendable {
    let terminal: Bool
    let flags: [String]
    let expectsProgress: Bool

    var description: String { "\(terminal ? "terminal" : "pipes") \(flags.joined(separator: " "))" }

    static let all = [
      Mode(terminal: true, flags: [], expectsProgress: true),
      Mode(terminal: true, flags: ["--quiet"], expectsProgress: false),
      Mode(terminal: false, flags: [], expectsProgress: false),
      Mode(terminal: true, flags: ["--json"], expectsProgress: true),
    ]
  }

  @Test("the progress line shows on a terminal and nowhere else", arguments: Mode.all)
  func progressLine(_ mode: Mode) throws {
    let scratch = try ApplyScratch("progress")
    defer { scratch.remove() }
    try scratch.image("base.qcow2")
    try scratch.directory("out")
    let manifest = try scratch.manifest(
      "m.yaml", (1...3).map { ApplyEntry(path: "out/copy\($0).qcow2", from: "base.qcow2") })
    // The delay before the line appears is set to 0 so that a fast apply shows it too.
    let command = ["env", "QCOW_BATCH_PROGRESS_DELAY=0", TestSupport.binary.path, "apply", manifest] + mode.flags
    let result: ProcessResult
    if mode.terminal {
      let quoted = command.map { "'\($0)'" }.joined(separator: " ")
      result = try TestSupport.tool("script", ["-qfec", quoted, "/dev/null"])
    } else {
      result = try TestSupport.run(URL(fileURLWithPath: "/usr/bin/env"), command)
    }
    #expect(result.status == 0, "\(result.out)\(result.err)")
    let everything = result.out + result.err
    #expect(everything.contains("staging 3/3 images") == mode.expectsProgress, "\(everything)")
    if mode.flags.contains("--json") {
      // Under a terminal stdout and stderr share the screen; the JSON itself holds no progress.
      let document = everything.components(separatedBy: "\u{1b}[K").last ?? ""
      #expect(document.contains("\"applied\": true"))
    }
    if !mode.terminal {
      #expect(!result.err.contains("\u{1b}[K"))
    }
  }
}

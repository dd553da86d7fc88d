import Foundation
import Testing

/// scripts/install into a temporary prefix that already holds other files: exactly the
/// binary, a man page per command, the three completions and qcow2.py arrive; each page
/// renders with `man -l`; the installed binary, its qcow2.py and its bash completion work;
/// scripts/uninstall leaves the prefix as it was.
@Suite("install", .serialized)
struct InstallTests {
  @Test("scripts/install, then scripts/uninstall, in a temporary prefix")
  func installAndUninstall() throws {
    let root = try TestSupport.makeTemporaryDirectory("qcow-batch-install")
    defer { try? FileManager.default.removeItem(at: root) }
    let prefix = root.appendingPathComponent("prefix with space")
    // Someone else's files and directories, which must stay: an empty man1 and zsh directory.
    for directory in ["bin", "share/man/man1", "share/zsh"] {
      try FileManager.default.createDirectory(
        at: prefix.appendingPathComponent(directory), withIntermediateDirectories: true)
    }
    try Data("#!/bin/sh\n".utf8).write(to: prefix.appendingPathComponent("bin/other-tool"))
    let before = try TestSupport.snapshot(prefix)

    let scripts = TestSupport.packageRoot.appendingPathComponent("scripts")
    // A build directory of its own: SwiftPM would wait for the lock that `swift test` holds on .build.
    let build = "QCOW_BATCH_BUILD_DIR=" + TestSupport.packageRoot.appendingPathComponent(".build-install").path
    let installed = try TestSupport.run(
      URL(fileURLWithPath: "/usr/bin/env"), [build, scripts.appendingPathComponent("install").path, prefix.path],
      directory: TestSupport.packageRoot)
    try #require(installed.status == 0, "scripts/install: \(installed.out.suffix(2000))\(installed.err.suffix(2000))")

    let binary = prefix.appendingPathComponent("bin/qcow-batch")
    let pages = ["qcow-batch.1"] + (try subcommands(binary)).map { "qcow-batch-\($0).1" }
    let files =
      ["bin/qcow-batch", "share/qcow-batch/qcow2.py", "share/qcow-batch/installed-files"]
      + pages.map { "share/man/man1/\($0)" } + [
        "share/bash-completion/completions/qcow-batch", "share/zsh/site-functions/_qcow-batch",
        "share/fish/vendor_completions.d/qcow-batch.fish",
      ]
    let after = try TestSupport.snapshot(prefix)
    let added = Set(after.keys).subtracting(before.keys).filter { after[$0]?.hasPrefix("f ") == true }
    #expect(added == Set(files), "installed files")
    #expect(after.filter { before[$0.key] != nil } == before, "the install changed files that were there")

    for page in pages {
      let rendered = try TestSupport.run(
        URL(fileURLWithPath: "/usr/bin/env"),
        ["MANPAGER=cat", "MANWIDTH=100", "man", "-l", prefix.appendingPathComponent("share/man/man1/\(page)").path])
      // qcow-batch-plan.1 is the page of "qcow-batch plan".
      let command =
        "qcow-batch" + page.dropFirst("qcow-batch".count).dropLast(2).replacingOccurrences(of: "-", with: " ")
      #expect(rendered.status == 0 && rendered.err.isEmpty, "man -l \(page): \(rendered.err)")
      #expect(rendered.out.contains("NAME") && rendered.out.contains(command), "man -l \(page): \(rendered.out)")
    }
    try checkInstalledTools(prefix)

    let removed = try TestSupport.run(scripts.appendingPathComponent("uninstall"), [prefix.path])
    #expect(removed.status == 0, "scripts/uninstall: \(removed.err)")
    #expect(try TestSupport.snapshot(prefix) == before, "the prefix is not as it was before the install")
    let again = try TestSupport.run(scripts.appendingPathComponent("uninstall"), [prefix.path])
    #expect(again.status == 1 && again.err.contains("no qcow-batch installation"), "\(again.err)")
  }

  /// The sub-command names the binary reports in its help dump.
  private func subcommands(_ binary: URL) throws -> [String] {
    let dump = try TestSupport.run(binary, ["--experimental-dump-help"])
    let document = try JSONSerialization.jsonObject(with: dump.stdout) as? [String: Any]
    let command = document?["command"] as? [String: Any]
    let names = (command?["subcommands"] as? [[String: Any]] ?? []).compactMap { $0["commandName"] as? String }
    #expect(names.contains("plan") && names.contains("schema"), "\(dump.out.prefix(500))")
    return names
  }

  /// The installed binary runs with the Swift runtime linked in, qcow2.py runs it from PATH, and
  /// the installed bash completion completes a sub-command.
  private func checkInstalledTools(_ prefix: URL) throws {
    let binary = prefix.appendingPathComponent("bin/qcow-batch")
    let version = try TestSupport.run(binary, ["--version"])
    #expect(version.status == 0 && version.out == "0.1.0\n", "\(version.out)\(version.err)")
    let libraries = try TestSupport.tool("ldd", [binary.path])
    #expect(!libraries.out.contains("libswiftCore"), "the Swift runtime is not linked in: \(libraries.out)")
    let image = TestSupport.packageRoot.appendingPathComponent("manifests/templates/base.qcow2").path
    let path = "PATH=\(prefix.appendingPathComponent("bin").path):/usr/bin:/bin"
    let script = try TestSupport.run(
      URL(fileURLWithPath: "/usr/bin/env"),
      [path, prefix.appendingPathComponent("share/qcow-batch/qcow2.py").path, image, "dump-header"])
    let reference = try TestSupport.qcowBatch(["qcow2", image, "dump-header"])
    #expect(script.status == 0 && script.out == reference.out && !script.out.isEmpty, "qcow2.py: \(script.err)")
    let completion = try TestSupport.run(
      URL(fileURLWithPath: "/usr/bin/env"),
      [
        path, "/bin/bash", TestSupport.fixtures.appendingPathComponent("tools/complete.bash").path,
        prefix.appendingPathComponent("share/bash-completion/completions/qcow-batch").path, "qcow-batch ap",
      ])
    #expect(completion.out == "apply\n", "\(completion.err)")
  }
}

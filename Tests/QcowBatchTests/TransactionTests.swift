import Foundation
import Glibc
import Testing

// End-to-end tests of `qcow-batch apply`: staging, commit, rollback, locks and sparseness.
// Every test runs the built binary on images in its own scratch directory.

/// One image entry of a test manifest.
struct ApplyEntry: Sendable {
  /// The target, relative to the manifest.
  let path: String
  /// The image to copy first, relative to the manifest.
  var from: String? = nil
  /// `expect` lines, e.g. `version: 3`.
  var expect: [String] = []
  /// Edits as YAML flow mappings, e.g. `set-feature-bit: {group: compatible, bit: 0}`.
  var edits: [String] = []
}

/// Edits whose effect the tests can see in the image's bytes.
enum ApplyEdit {
  /// Sets compatible bit 0 (lazy refcounts): bit 0 of the word at offset 80.
  static let lazyRefcounts = "set-feature-bit: {group: compatible, bit: 0}"
  /// Sets incompatible bit 1 (corrupt): bit 1 of the word at offset 72.
  static let corruptBit = "set-feature-bit: {group: incompatible, bit: 1}"

  /// Adds an unknown header extension holding `text`.
  static func mark(_ text: String, magic: UInt32 = 0x1234_5678) -> String {
    "add-header-ext: {magic: 0x\(String(magic, radix: 16)), data: \"\(text)\"}"
  }
}

/// A target's bytes and inode, or its absence.
struct TargetState: Equatable, CustomStringConvertible {
  let bytes: Data?
  let inode: UInt64?

  /// The state of the file at `path`, following symlinks.
  init(_ path: String) {
    bytes = FileManager.default.contents(atPath: path)
    var status = stat()
    inode = stat(path, &status) == 0 ? UInt64(status.st_ino) : nil
  }

  var description: String {
    guard let bytes, let inode else { return "absent" }
    return "\(bytes.count) bytes, inode \(inode)"
  }
}

/// A scratch directory holding the images and manifests of one test.
struct ApplyScratch {
  /// The directory.
  let root: URL
  /// Where background processes write their output (no `.qcow-batch-` names there).
  let logs: URL

  init(_ label: String) throws {
    root = try TestSupport.makeTemporaryDirectory("qcow-batch-txn-\(label)")
    logs = root.appendingPathComponent("logs")
    try FileManager.default.createDirectory(at: logs, withIntermediateDirectories: true)
  }

  /// The absolute path of `name` in the scratch directory.
  func path(_ name: String) -> String { root.appendingPathComponent(name).path }

  /// Creates the directory `name` and its parents.
  func directory(_ name: String) throws {
    try FileManager.default.createDirectory(atPath: path(name), withIntermediateDirectories: true)
  }

  /// Copies `manifests/templates/TEMPLATE` to `name`, replacing what is there.
  func image(_ name: String, template: String = "base.qcow2") throws {
    let source = TestSupport.packageRoot.appendingPathComponent("manifests/templates/\(template)").path
    try? FileManager.default.removeItem(atPath: path(name))
    try FileManager.default.copyItem(atPath: source, toPath: path(name))
  }

  /// Writes the manifest `name` listing `entries`; returns its absolute path.
  func manifest(_ name: String, _ entries: [ApplyEntry]) throws -> String {
    var text = "version: 1\nimages:\n"
    for entry in entries {
      text += "  - path: \"\(entry.path)\"\n"
      if let from = entry.from { text += "    from: \"\(from)\"\n" }
      if !entry.expect.isEmpty { text += "    expect:\n" + entry.expect.map { "      \($0)\n" }.joined() }
      if !entry.edits.isEmpty { text += "    edits:\n" + entry.edits.map { "      - \($0)\n" }.joined() }
    }
    try text.write(toFile: path(name), atomically: false, encoding: .utf8)
    return path(name)
  }

  /// The states of `names`, in order.
  func states(_ names: [String]) -> [TargetState] { names.map { TargetState(path($0)) } }

  /// Every name under the root that marks a staged temporary file or a backup link.
  func leftovers() -> [String] {
    let all = (try? FileManager.default.subpathsOfDirectory(atPath: root.path)) ?? ["<unreadable>.qcow-batch-"]
    return all.filter { $0.contains(".qcow-batch-") }.sorted()
  }

  /// The 64-bit big-endian header word at `offset` of image `name`.
  func word(_ name: String, at offset: Int) -> UInt64 {
    guard let bytes = FileManager.default.contents(atPath: path(name)), bytes.count >= offset + 8 else { return 0 }
    return bytes[offset..<offset + 8].reduce(0) { $0 << 8 | UInt64($1) }
  }

  /// Whether the first cluster of image `name` contains `text` (a header extension's data).
  func headerContains(_ name: String, _ text: String) -> Bool {
    guard let handle = FileHandle(forReadingAtPath: path(name)) else { return false }
    defer { try? handle.close() }
    let head = (try? handle.read(upToCount: 65536)) ?? Data()
    return head.range(of: Data(text.utf8)) != nil
  }

  /// Whether image `name` has lazy refcounts (compatible bit 0) set.
  func hasLazyRefcounts(_ name: String) -> Bool { word(name, at: 80) & 1 != 0 }

  /// Whether image `name` has the corrupt bit (incompatible bit 1) set.
  func hasCorruptBit(_ name: String) -> Bool { word(name, at: 72) & 2 != 0 }

  /// The mode bits of `name`, following symlinks.
  func mode(_ name: String) -> mode_t {
    var status = stat()
    return stat(path(name), &status) == 0 ? status.st_mode & 0o7777 : 0
  }

  /// Runs `qemu-img ARGUMENTS` in the scratch directory.
  func qemuImg(_ arguments: [String]) throws -> ProcessResult {
    try TestSupport.tool("qemu-img", arguments, directory: root)
  }

  /// Removes the scratch directory.
  func remove() { try? FileManager.default.removeItem(at: root) }
}

/// Ways to run `qcow-batch apply`.
enum ApplyRun {
  /// `qcow-batch apply MANIFEST FLAGS`, with `VARIABLE=VALUE` settings in its environment.
  static func run(_ manifest: String, _ flags: [String] = [], environment: [String] = []) throws -> ProcessResult {
    let arguments = ["apply", manifest] + flags
    guard !environment.isEmpty else { return try TestSupport.qcowBatch(arguments) }
    return try TestSupport.run(
      URL(fileURLWithPath: "/usr/bin/env"), environment + [TestSupport.binary.path] + arguments)
  }

  /// `qcow-batch apply MANIFEST` run by `sh -c PREFIX`, where PREFIX ends by exec'ing "$0" "$@".
  static func shell(_ prefix: String, _ manifest: String) throws -> ProcessResult {
    try TestSupport.run(
      URL(fileURLWithPath: "/bin/sh"), ["-c", prefix, TestSupport.binary.path, "apply", manifest])
  }

  /// The one JSON object `result` printed on standard output, or nil when it is not exactly that.
  static func document(_ result: ProcessResult) -> [String: Any]? {
    (try? JSONSerialization.jsonObject(with: result.stdout)) as? [String: Any]
  }
}

/// A process running in the background, its output going to files.
final class BackgroundProcess {
  let process = Process()
  private let output: URL
  private let errors: URL
  private let input = Pipe()

  /// Starts `executable` with `arguments`; standard input is a pipe kept open until `closeInput()`.
  init(_ executable: URL, _ arguments: [String], logs: URL, name: String) throws {
    output = logs.appendingPathComponent("\(name).out")
    errors = logs.appendingPathComponent("\(name).err")
    for log in [output, errors] where !FileManager.default.createFile(atPath: log.path, contents: nil) {
      throw ApplyTestError(description: "cannot create \(log.path)")
    }
    process.executableURL = executable
    process.arguments = arguments
    process.standardOutput = try FileHandle(forWritingTo: output)
    process.standardError = try FileHandle(forWritingTo: errors)
    process.standardInput = input
    try process.run()
  }

  /// Starts `qcow-batch apply MANIFEST`.
  static func apply(_ manifest: String, logs: URL, name: String) throws -> BackgroundProcess {
    try BackgroundProcess(TestSupport.binary, ["apply", manifest], logs: logs, name: name)
  }

  /// The process id.
  var pid: pid_t { process.processIdentifier }

  /// Writes `text` to standard input.
  func send(_ text: String) {
    // The process may have exited already: a broken pipe must not kill the test runner.
    signal(SIGPIPE, SIG_IGN)
    try? input.fileHandleForWriting.write(contentsOf: Data(text.utf8))
  }

  /// Closes standard input.
  func closeInput() { try? input.fileHandleForWriting.close() }

  /// Waits for the process to exit and returns what it printed.
  func wait() -> ProcessResult {
    process.waitUntilExit()
    closeInput()
    return ProcessResult(
      status: process.terminationStatus,
      stdout: FileManager.default.contents(atPath: output.path) ?? Data(),
      stderr: FileManager.default.contents(atPath: errors.path) ?? Data(),
      crashed: process.terminationReason == .uncaughtSignal)
  }

  /// Ends the process if it still runs (continuing it first, should it be stopped).
  func stop() {
    guard process.isRunning else { return }
    kill(pid, SIGCONT)
    process.terminate()
    process.waitUntilExit()
  }

  /// Whether the process is stopped (state T in /proc/PID/stat).
  var isStopped: Bool {
    guard let line = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
      let close = line.lastIndex(of: ")")
    else { return false }
    return line[close...].dropFirst(2).first == "T"
  }
}

/// `qemu-io` holding an image open, as a running QEMU does, with its OFD locks.
final class QemuHolder {
  private let child: BackgroundProcess
  private let image: String

  /// Opens `image` read-write with `qemu-io` and waits until its locks show in /proc/locks.
  init(_ image: String, logs: URL) throws {
    self.image = image
    child = try BackgroundProcess(
      URL(fileURLWithPath: "/usr/bin/env"), ["qemu-io", "-f", "qcow2", image], logs: logs, name: "qemu-io")
    do {
      try Poll.until("qemu-io holds its locks on \(image)") { QemuHolder.isLocked(image) }
    } catch {
      child.process.terminate()
      _ = child.wait()
      throw error
    }
  }

  /// Quits `qemu-io` and waits for it to exit.
  func quit() {
    guard child.process.isRunning else { return }
    child.send("quit\n")
    child.closeInput()
    let exited = (try? Poll.until("qemu-io exits", timeout: 5, { !self.child.process.isRunning })) != nil
    if !exited { child.process.terminate() }
    _ = child.wait()
  }

  /// Whether /proc/locks lists an OFD lock (QEMU's kind) on the file at `path`.
  static func isLocked(_ path: String) -> Bool {
    var status = stat()
    guard stat(path, &status) == 0, let locks = try? String(contentsOfFile: "/proc/locks", encoding: .utf8)
    else { return false }
    let device = UInt64(status.st_dev)
    let major = ((device >> 8) & 0xfff) | ((device >> 32) & ~UInt64(0xfff))
    let minor = (device & 0xff) | ((device >> 12) & ~UInt64(0xff))
    // /proc/locks names a file as MAJOR:MINOR:INODE, the device numbers in two-digit hex.
    func hex(_ value: UInt64) -> String {
      let digits = String(value, radix: 16)
      return digits.count < 2 ? "0" + digits : digits
    }
    let key = hex(major) + ":" + hex(minor) + ":" + String(status.st_ino)
    return locks.split(separator: "\n").contains { line in
      let fields = line.split(separator: " ")
      return fields.contains("OFDLCK") && fields.contains { $0 == key }
    }
  }
}

/// A failure of the test harness itself.
struct ApplyTestError: Error, CustomStringConvertible {
  let description: String
}

/// Waiting for a condition.
enum Poll {

  /// Checks `condition` every millisecond until it holds; throws after `timeout` seconds.
  static func until(_ what: String, timeout: Double = 20, _ condition: () -> Bool) throws {
    let deadline = Date().addingTimeInterval(timeout)
    while !condition() {
      guard Date() < deadline else { throw ApplyTestError(description: "timed out waiting until \(what)") }
      usleep(1000)
    }
  }
}

/// Whether this filesystem and these privileges allow `chattr +i`.
enum Chattr {
  static let immutableWorks: Bool = {
    guard let directory = try? TestSupport.makeTemporaryDirectory("qcow-batch-chattr") else { return false }
    defer { try? FileManager.default.removeItem(at: directory) }
    let file = directory.appendingPathComponent("probe").path
    guard FileManager.default.createFile(atPath: file, contents: Data([1])),
      let set = try? TestSupport.tool("chattr", ["+i", file]), set.status == 0
    else {
      print("chattr +i is not permitted here; the immutable-target variant is skipped")
      return false
    }
    _ = try? TestSupport.tool("chattr", ["-i", file])
    return true
  }()
}

/// Where the three targets of a rename-failure case live.
enum RenameLayout: String, CaseIterable, Sendable {
  /// `a`, `b` and `c` edited in place in one directory.
  case oneDirectory
  /// `a` and `c` in place; `b` created from a template.
  case newTargetInTheMiddle
  /// `d1/a`, `d2/b` and `d3/c`, each in its own directory.
  case threeDirectories

  /// The targets, in manifest order.
  var targets: [String] {
    switch self {
    case .oneDirectory: ["a.qcow2", "b.qcow2", "c.qcow2"]
    case .newTargetInTheMiddle: ["a.qcow2", "new.qcow2", "c.qcow2"]
    case .threeDirectories: ["d1/a.qcow2", "d2/b.qcow2", "d3/c.qcow2"]
    }
  }

  /// Makes the images; returns the manifest's path.
  func prepare(_ scratch: ApplyScratch) throws -> String {
    let names = targets
    for name in names where name.contains("/") {
      try scratch.directory(String(name.prefix { $0 != "/" }))
    }
    try scratch.image("template.qcow2")
    for (index, name) in names.enumerated() where !(self == .newTargetInTheMiddle && index == 1) {
      try scratch.image(name)
    }
    return try scratch.manifest(
      "m.yaml",
      [
        ApplyEntry(path: names[0], edits: [ApplyEdit.lazyRefcounts]),
        ApplyEntry(
          path: names[1], from: self == .newTargetInTheMiddle ? "template.qcow2" : nil,
          edits: [ApplyEdit.mark("second-target")]),
        ApplyEntry(path: names[2], edits: [ApplyEdit.corruptBit]),
      ])
  }

  /// Checks that all three edits are in place.
  func expectApplied(_ scratch: ApplyScratch) {
    let names = targets
    #expect(scratch.hasLazyRefcounts(names[0]), "\(names[0]) lacks its edit")
    #expect(scratch.headerContains(names[1], "second-target"), "\(names[1]) lacks its edit")
    #expect(scratch.hasCorruptBit(names[2]), "\(names[2]) lacks its edit")
  }
}

/// A rename-failure case: a layout and which rename fails.
struct RenameFailureCase: Sendable, CustomStringConvertible {
  let layout: RenameLayout
  /// The rename that fails, 1-based.
  let failAt: Int

  var description: String { "\(layout.rawValue), rename \(failAt) of 3 fails" }

  static let all = RenameLayout.allCases.flatMap { layout in
    (1...3).map { RenameFailureCase(layout: layout, failAt: $0) }
  }
}

/// What happens to a target while `apply` is stopped in the middle of staging.
enum Interference: String, CaseIterable, Sendable {
  /// A QEMU (qemu-io) opens the target and keeps it open.
  case qemuOpensTarget
  /// A QEMU (qemu-io) writes guest data into the target and exits.
  case writerChangesTarget
}

/// How a symlink target is laid out.
enum SymlinkShape: String, CaseIterable, Sendable {
  /// `link.qcow2 -> real.qcow2` in the same directory.
  case sameDirectoryRelative
  /// `links/link.qcow2 -> /ABSOLUTE/store/real.qcow2`.
  case otherDirectoryAbsolute
  /// `link.qcow2 -> links/hop.qcow2 -> ../store/real.qcow2`.
  case chainOfTwo

  /// The path the manifest names.
  var link: String { self == .otherDirectoryAbsolute ? "links/link.qcow2" : "link.qcow2" }
  /// The file the link finally points to.
  var real: String { self == .sameDirectoryRelative ? "real.qcow2" : "store/real.qcow2" }
  /// Every symlink, with the text it holds.
  func links(in scratch: ApplyScratch) -> [(path: String, destination: String)] {
    switch self {
    case .sameDirectoryRelative: [("link.qcow2", "real.qcow2")]
    case .otherDirectoryAbsolute: [("links/link.qcow2", scratch.path("store/real.qcow2"))]
    case .chainOfTwo: [("links/hop.qcow2", "../store/real.qcow2"), ("link.qcow2", "links/hop.qcow2")]
    }
  }
}

/// What an `apply --json` run meets.
enum JSONCase: String, CaseIterable, Sendable {
  case applied
  case renameFails
  case invalidPlan
  case missingDirectory
}

@Suite("apply: staging, commit, rollback, locks", .serialized)
struct TransactionTests {
  // MARK: - Rename failures and rollback

  @Test("a failed rename puts back every target already replaced", arguments: RenameFailureCase.all)
  func renameFailureRollsBack(_ failure: RenameFailureCase) throws {
    let scratch = try ApplyScratch("rename")
    defer { scratch.remove() }
    let manifest = try failure.layout.prepare(scratch)
    let names = failure.layout.targets + ["template.qcow2"]
    let before = scratch.states(names)

    let failed = try ApplyRun.run(manifest, environment: ["QCOW_BATCH_TEST_FAIL_RENAME=\(failure.failAt)"])

    #expect(failed.status == 1, "exit \(failed.status): \(failed.err)")
    let failedTarget = failure.layout.targets[failure.failAt - 1]
    #expect(failed.err.contains("cannot rename the staged copy over '\(failedTarget)': Input/output error"))
    let after = scratch.states(names)
    for (index, name) in names.enumerated() {
      #expect(after[index] == before[index], "\(name): \(before[index]) before, \(after[index]) after")
    }
    #expect(scratch.leftovers() == [])

    // The same manifest applies once nothing fails.
    let applied = try ApplyRun.run(manifest)
    #expect(applied.status == 0, "exit \(applied.status): \(applied.err)")
    failure.layout.expectApplied(scratch)
    #expect(scratch.leftovers() == [])
  }

  @Test(
    "an immutable third target fails the commit and leaves every target as it was",
    .enabled(if: Chattr.immutableWorks, "chattr +i is not permitted on this filesystem"))
  func immutableThirdTarget() throws {
    let scratch = try ApplyScratch("immutable")
    defer { scratch.remove() }
    let manifest = try RenameLayout.oneDirectory.prepare(scratch)
    let names = RenameLayout.oneDirectory.targets
    let before = scratch.states(names)
    #expect(try TestSupport.tool("chattr", ["+i", scratch.path("c.qcow2")]).status == 0)
    defer { _ = try? TestSupport.tool("chattr", ["-i", scratch.path("c.qcow2")]) }

    let failed = try ApplyRun.run(manifest)

    // link(2) of an immutable file fails with EPERM, so the commit stops before the first rename.
    print("immutable third target: apply said: \(failed.err.trimmingCharacters(in: .newlines))")
    #expect(failed.status == 1)
    #expect(failed.err.contains("'c.qcow2'") && failed.err.contains("Operation not permitted"))
    #expect(scratch.states(names) == before)
    #expect(scratch.leftovers() == [])
  }

  @Test(
    "a staging failure removes every temporary file and writes no target",
    .enabled(if: FileManager.default.isExecutableFile(atPath: "/usr/bin/prlimit")),
    arguments: 0..<3)
  func stagingFailureCleansUp(largeAt position: Int) throws {
    let scratch = try ApplyScratch("staging")
    defer { scratch.remove() }
    // The image at `position` has a 64 MiB apparent size; an 8 MiB file-size limit (with SIGXFSZ
    // ignored) makes its staging fail with EFBIG while the small images stage fine.
    var names = ["a.qcow2", "b.qcow2", "c.qcow2"]
    names[position] = "large.qcow2"
    for name in names where name != "large.qcow2" { try scratch.image(name) }
    let created = try scratch.qemuImg(
      ["create", "-q", "-f", "qcow2", "-o", "preallocation=metadata", "large.qcow2", "64M"])
    #expect(created.status == 0, "\(created.err)")
    let manifest = try scratch.manifest(
      "m.yaml", names.enumerated().map { ApplyEntry(path: $1, edits: [ApplyEdit.mark("staged-\($0)")]) })
    let before = scratch.states(names)

    let failed = try ApplyRun.shell("trap '' XFSZ; exec prlimit --fsize=8388608 \"$0\" \"$@\"", manifest)

    #expect(failed.status == 1, "exit \(failed.status): \(failed.err)")
    #expect(failed.err.contains("cannot stage 'large.qcow2'") && failed.err.contains("File too large"))
    #expect(scratch.states(names) == before)
    #expect(scratch.leftovers() == [])

    let applied = try ApplyRun.run(manifest)
    #expect(applied.status == 0, "exit \(applied.status): \(applied.err)")
    for (index, name) in names.enumerated() { #expect(scratch.headerContains(name, "staged-\(index)")) }
    #expect(scratch.leftovers() == [])
  }

  @Test("an invalid plan writes nothing")
  func invalidPlanWritesNothing() throws {
    let scratch = try ApplyScratch("invalid")
    defer { scratch.remove() }
    try scratch.image("a.qcow2")
    try scratch.image("template.qcow2")
    try scratch.image("c.qcow2")
    let manifest = try scratch.manifest(
      "m.yaml",
      [
        ApplyEntry(path: "a.qcow2", edits: [ApplyEdit.lazyRefcounts]),
        ApplyEntry(path: "new.qcow2", from: "template.qcow2", edits: [ApplyEdit.mark("new")]),
        ApplyEntry(path: "c.qcow2", expect: ["version: 2"], edits: [ApplyEdit.corruptBit]),
      ])
    let names = ["a.qcow2", "new.qcow2", "c.qcow2", "template.qcow2"]
    let before = scratch.states(names)

    let result = try ApplyRun.run(manifest)

    #expect(result.status == 1)
    #expect(result.err.contains("expected version 2"))
    #expect(!result.out.contains("applied:"))
    #expect(scratch.states(names) == before)
    #expect(scratch.leftovers() == [])
  }

  // MARK: - QEMU's locks

  @Test("an image a running QEMU holds is refused by name; once QEMU quits, apply succeeds")
  func runningQemuIsRefused() throws {
    let scratch = try ApplyScratch("qemu")
    defer { scratch.remove() }
    try scratch.image("a.qcow2")
    try scratch.image("b.qcow2")
    let manifest = try scratch.manifest(
      "m.yaml",
      [
        ApplyEntry(path: "a.qcow2", edits: [ApplyEdit.lazyRefcounts]),
        ApplyEntry(path: "b.qcow2", edits: [ApplyEdit.mark("b-edit")]),
      ])
    let names = ["a.qcow2", "b.qcow2"]
    let before = scratch.states(names)
    let qemu = try QemuHolder(scratch.path("a.qcow2"), logs: scratch.logs)
    defer { qemu.quit() }

    let refused = try ApplyRun.run(manifest)

    #expect(refused.status == 1, "exit \(refused.status): \(refused.err)")
    #expect(refused.err.contains("'a.qcow2' is locked by another process"), "\(refused.err)")
    #expect(!refused.err.contains("'b.qcow2' is locked"))
    #expect(scratch.states(names) == before)
    #expect(scratch.leftovers() == [])

    qemu.quit()
    #expect(!QemuHolder.isLocked(scratch.path("a.qcow2")))
    #expect(scratch.states(names) == before)
    let applied = try ApplyRun.run(manifest)
    #expect(applied.status == 0, "exit \(applied.status): \(applied.err)")
    #expect(scratch.hasLazyRefcounts("a.qcow2") && scratch.headerContains("b.qcow2", "b-edit"))
    #expect(try scratch.qemuImg(["check", "-q", "a.qcow2"]).status == 0)
    #expect(scratch.leftovers() == [])
  }

  @Test(
    "a QEMU or a writer that touches a target while apply stages is caught at commit",
    arguments: Interference.allCases)
  func interferenceWhileStaging(_ interference: Interference) throws {
    let scratch = try ApplyScratch("interfere")
    defer { scratch.remove() }
    // A second image with 256 MiB of data keeps apply staging long enough to stop it there.
    let created = try scratch.qemuImg(
      ["create", "-q", "-f", "qcow2", "-o", "preallocation=full", "bulk-source.qcow2", "256M"])
    #expect(created.status == 0, "\(created.err)")
    let manifest = try scratch.manifest(
      "m.yaml",
      [
        ApplyEntry(path: "t.qcow2", edits: [ApplyEdit.lazyRefcounts]),
        ApplyEntry(path: "bulk.qcow2", from: "bulk-source.qcow2"),
      ])
    var caught = false
    for attempt in 1...5 where !caught {
      try scratch.image("t.qcow2")
      try? FileManager.default.removeItem(atPath: scratch.path("bulk.qcow2"))
      let before = TargetState(scratch.path("t.qcow2"))
      let apply = try BackgroundProcess.apply(manifest, logs: scratch.logs, name: "apply-\(attempt)")
      defer { apply.stop() }
      let stagingBulk = {
        scratch.leftovers().contains { $0.hasPrefix(".bulk.qcow2.qcow-batch-") && !$0.contains("backup") }
      }
      try Poll.until("apply stages bulk.qcow2 or exits") { stagingBulk() || !apply.process.isRunning }
      kill(apply.pid, SIGSTOP)
      try Poll.until("apply is stopped", timeout: 5) { apply.isStopped || !apply.process.isRunning }
      // Conclusive only when stopped before the commit began: no backup link, `t` not replaced.
      guard apply.process.isRunning, stagingBulk(), !scratch.leftovers().contains(where: { $0.contains("backup") }),
        TargetState(scratch.path("t.qcow2")) == before
      else {
        kill(apply.pid, SIGCONT)
        _ = apply.wait()
        continue
      }
      caught = true
      var qemu: QemuHolder?
      defer { qemu?.quit() }
      switch interference {
      case .qemuOpensTarget:
        qemu = try QemuHolder(scratch.path("t.qcow2"), logs: scratch.logs)
      case .writerChangesTarget:
        let write = try TestSupport.tool(
          "qemu-io", ["-f", "qcow2", "-c", "write -P 0xcd 0 64k", scratch.path("t.qcow2")])
        #expect(write.status == 0, "\(write.err)")
      }
      let expected = TargetState(scratch.path("t.qcow2"))
      kill(apply.pid, SIGCONT)
      let result = apply.wait()

      #expect(result.status == 1, "exit \(result.status): \(result.out) \(result.err)")
      switch interference {
      case .qemuOpensTarget:
        #expect(result.err.contains("'t.qcow2' is locked by another process"), "\(result.err)")
        #expect(expected == before)
      case .writerChangesTarget:
        #expect(result.err.contains("'t.qcow2' changed since it was read"), "\(result.err)")
        #expect(expected != before)
      }
      #expect(TargetState(scratch.path("t.qcow2")) == expected, "the target was replaced")
      #expect(!FileManager.default.fileExists(atPath: scratch.path("bulk.qcow2")))
      #expect(scratch.leftovers() == [])
    }
    #expect(caught, "apply was never caught while staging")
  }

  // MARK: - Concurrent runs

  @Test("two applies on the same image at once never lose an update")
  func concurrentAppliesLoseNothing() throws {
    let scratch = try ApplyScratch("concurrent")
    defer { scratch.remove() }
    let first = try scratch.manifest("first.yaml", [ApplyEntry(path: "t.qcow2", edits: [ApplyEdit.lazyRefcounts])])
    let second = try scratch.manifest(
      "second.yaml",
      [
        ApplyEntry(path: "t.qcow2", edits: [ApplyEdit.mark("from-second", magic: 0x0c0c_0c0c)])
      ])
    let rounds = 25
    var bothApplied = 0
    for round in 1...rounds {
      try scratch.image("t.qcow2")
      let one = try BackgroundProcess.apply(first, logs: scratch.logs, name: "first-\(round)")
      let two = try BackgroundProcess.apply(second, logs: scratch.logs, name: "second-\(round)")
      let oneResult = one.wait()
      let twoResult = two.wait()

      let lazy = scratch.hasLazyRefcounts("t.qcow2")
      let mark = scratch.headerContains("t.qcow2", "from-second")
      // Exit 0 means the change is there; a run that did not apply says why.
      #expect(oneResult.status == 0 ? lazy : !oneResult.err.isEmpty, "round \(round), first: \(oneResult.err)")
      #expect(twoResult.status == 0 ? mark : !twoResult.err.isEmpty, "round \(round), second: \(twoResult.err)")
      #expect(!oneResult.crashed && !twoResult.crashed)
      if oneResult.status == 0 && twoResult.status == 0 { bothApplied += 1 }
      #expect(scratch.leftovers() == [], "round \(round)")
      #expect(try scratch.qemuImg(["check", "-q", "t.qcow2"]).status == 0, "round \(round)")
    }
    print("concurrent applies: both changes applied in \(bothApplied) of \(rounds) rounds")
    #expect(bothApplied == rounds)
  }

  @Test("apply waits for another run's lock on the target's directory", arguments: [false, true])
  func applyWaitsForTheDirectoryLock(viaSymlink: Bool) throws {
    let scratch = try ApplyScratch("flock")
    defer { scratch.remove() }
    try scratch.directory("store")
    try scratch.image("store/t.qcow2")
    if viaSymlink {
      try FileManager.default.createSymbolicLink(atPath: scratch.path("t.qcow2"), withDestinationPath: "store/t.qcow2")
    }
    let manifest = try scratch.manifest(
      "m.yaml", [ApplyEntry(path: viaSymlink ? "t.qcow2" : "store/t.qcow2", edits: [ApplyEdit.lazyRefcounts])])
    let before = TargetState(scratch.path("store/t.qcow2"))
    // Lock the directory of the real file, as another apply run would.
    let directory = open(scratch.path("store"), O_RDONLY | O_DIRECTORY | O_CLOEXEC)
    #expect(directory >= 0)
    #expect(flock(directory, LOCK_EX) == 0)
    var locked = true
    defer { if locked { close(directory) } }

    let apply = try BackgroundProcess.apply(manifest, logs: scratch.logs, name: "apply")
    defer { apply.stop() }
    usleep(700_000)
    #expect(apply.process.isRunning, "apply did not wait for the directory lock")
    #expect(TargetState(scratch.path("store/t.qcow2")) == before)
    close(directory)
    locked = false
    let result = apply.wait()

    #expect(result.status == 0, "exit \(result.status): \(result.err)")
    #expect(scratch.hasLazyRefcounts("store/t.qcow2"))
    #expect(scratch.leftovers() == [])
  }

  // MARK: - Sparse copies

  @Test("a 10 GiB image holding 3 MiB of data stays sparse and keeps its guest data")
  func sparseImageStaysSparse() throws {
    let scratch = try ApplyScratch("sparse")
    defer { scratch.remove() }
    let created = try scratch.qemuImg(
      ["create", "-q", "-f", "qcow2", "-o", "preallocation=metadata", "big.qcow2", "10G"])
    #expect(created.status == 0, "\(created.err)")
    let written = try TestSupport.tool(
      "qemu-io", ["-f", "qcow2", "-c", "write -P 0xab 0 3M", scratch.path("big.qcow2")])
    #expect(written.status == 0, "\(written.err)")
    let copied = try TestSupport.tool(
      "cp", ["--sparse=always", scratch.path("big.qcow2"), scratch.path("before.qcow2")])
    #expect(copied.status == 0, "\(copied.err)")
    let manifest = try scratch.manifest("m.yaml", [ApplyEntry(path: "big.qcow2", edits: [ApplyEdit.mark("sparse")])])
    let (sizeBefore, allocatedBefore) = try Self.sizes(scratch.path("big.qcow2"))

    let started = Date()
    let result = try ApplyRun.run(manifest)
    let seconds = Date().timeIntervalSince(started)

    #expect(result.status == 0, "exit \(result.status): \(result.err)")
    let (size, allocated) = try Self.sizes(scratch.path("big.qcow2"))
    print(
      "sparse: apparent \(sizeBefore) -> \(size) bytes, allocated \(allocatedBefore) -> \(allocated) bytes, "
        + String(format: "apply took %.2f s", seconds))
    #expect(size == sizeBefore && size >= 10 << 30)
    #expect(allocated < 64 << 20, "the staged copy filled holes: \(allocated) bytes allocated")
    #expect(allocated <= allocatedBefore + (1 << 20))
    #expect(scratch.headerContains("big.qcow2", "sparse"))
    let check = try scratch.qemuImg(["check", "big.qcow2"])
    #expect(check.status == 0, "\(check.out) \(check.err)")
    let compare = try scratch.qemuImg(["compare", "before.qcow2", "big.qcow2"])
    #expect(compare.status == 0, "\(compare.out) \(compare.err)")
    let read = try TestSupport.tool("qemu-io", ["-f", "qcow2", "-c", "read -P 0xab 0 3M", scratch.path("big.qcow2")])
    #expect(read.status == 0 && !read.out.contains("fail"), "\(read.out)")
    #expect(scratch.leftovers() == [])
  }

  @Test(
    "copying 256 MiB of data keeps the peak memory small",
    .enabled(if: FileManager.default.isExecutableFile(atPath: "/usr/bin/time")))
  func copyMemoryIsBounded() throws {
    let scratch = try ApplyScratch("memory")
    defer { scratch.remove() }
    let created = try scratch.qemuImg(
      ["create", "-q", "-f", "qcow2", "-o", "preallocation=full", "source.qcow2", "256M"])
    #expect(created.status == 0, "\(created.err)")
    let manifest = try scratch.manifest("m.yaml", [ApplyEntry(path: "copy.qcow2", from: "source.qcow2")])
    let report = scratch.logs.appendingPathComponent("time").path

    let result = try TestSupport.run(
      URL(fileURLWithPath: "/usr/bin/time"), ["-f", "%M", "-o", report, TestSupport.binary.path, "apply", manifest])

    #expect(result.status == 0, "exit \(result.status): \(result.err)")
    let text = (try? String(contentsOfFile: report, encoding: .utf8)) ?? ""
    let kilobytes = Int(text.split(separator: "\n").last.map(String.init) ?? "") ?? Int.max
    print("memory: apply copying 256 MiB of data peaked at \(kilobytes) KiB resident")
    #expect(kilobytes < 64 * 1024)
    #expect(try scratch.qemuImg(["compare", "source.qcow2", "copy.qcow2"]).status == 0)
    #expect(scratch.leftovers() == [])
  }

  // MARK: - Modes, owners, symlinks, new targets

  @Test("the target keeps its mode", arguments: [0o640, 0o600, 0o444, 0o755] as [mode_t])
  func modeIsKept(_ mode: mode_t) throws {
    let scratch = try ApplyScratch("mode")
    defer { scratch.remove() }
    try scratch.image("t.qcow2")
    #expect(chmod(scratch.path("t.qcow2"), mode) == 0)
    let manifest = try scratch.manifest("m.yaml", [ApplyEntry(path: "t.qcow2", edits: [ApplyEdit.lazyRefcounts])])
    let inode = TargetState(scratch.path("t.qcow2")).inode

    let result = try ApplyRun.run(manifest)

    #expect(result.status == 0, "exit \(result.status): \(result.err)")
    #expect(TargetState(scratch.path("t.qcow2")).inode != inode, "the target was not replaced")
    #expect(scratch.mode("t.qcow2") == mode, "mode \(String(scratch.mode("t.qcow2"), radix: 8))")
    #expect(scratch.hasLazyRefcounts("t.qcow2"))
    #expect(scratch.leftovers() == [])
  }

  @Test("the target keeps its owner and group", .enabled(if: geteuid() == 0, "needs root to chown"))
  func ownerIsKept() throws {
    let scratch = try ApplyScratch("owner")
    defer { scratch.remove() }
    try scratch.image("t.qcow2")
    #expect(chown(scratch.path("t.qcow2"), 4242, 4343) == 0)
    #expect(chmod(scratch.path("t.qcow2"), 0o640) == 0)
    let manifest = try scratch.manifest("m.yaml", [ApplyEntry(path: "t.qcow2", edits: [ApplyEdit.lazyRefcounts])])

    let result = try ApplyRun.run(manifest)

    #expect(result.status == 0, "exit \(result.status): \(result.err)")
    var status = stat()
    #expect(stat(scratch.path("t.qcow2"), &status) == 0)
    #expect(status.st_uid == 4242 && status.st_gid == 4343 && status.st_mode & 0o7777 == 0o640)
    #expect(scratch.hasLazyRefcounts("t.qcow2"))
    #expect(scratch.leftovers() == [])
  }

  @Test(
    "a new target gets the default mode under the caller's umask",
    arguments: [(0o022, 0o644), (0o027, 0o640), (0o077, 0o600)] as [(mode_t, mode_t)])
  func newTargetFollowsUmask(_ mask: mode_t, _ mode: mode_t) throws {
    let scratch = try ApplyScratch("umask")
    defer { scratch.remove() }
    try scratch.image("template.qcow2")
    let manifest = try scratch.manifest("m.yaml", [ApplyEntry(path: "new.qcow2", from: "template.qcow2")])

    let result = try ApplyRun.shell("umask \(String(mask, radix: 8)); exec \"$0\" \"$@\"", manifest)

    #expect(result.status == 0, "exit \(result.status): \(result.err)")
    #expect(scratch.mode("new.qcow2") == mode, "mode \(String(scratch.mode("new.qcow2"), radix: 8))")
    #expect(scratch.leftovers() == [])
  }

  @Test("a symlink target stays a symlink and the file it points to is replaced", arguments: SymlinkShape.allCases)
  func symlinkTarget(_ shape: SymlinkShape) throws {
    let scratch = try ApplyScratch("symlink")
    defer { scratch.remove() }
    try scratch.directory("store")
    try scratch.directory("links")
    try scratch.image(shape.real)
    #expect(chmod(scratch.path(shape.real), 0o640) == 0)
    let links = shape.links(in: scratch)
    for link in links {
      try FileManager.default.createSymbolicLink(atPath: scratch.path(link.path), withDestinationPath: link.destination)
    }
    let manifest = try scratch.manifest("m.yaml", [ApplyEntry(path: shape.link, edits: [ApplyEdit.lazyRefcounts])])
    let before = TargetState(scratch.path(shape.real))

    let result = try ApplyRun.run(manifest)

    #expect(result.status == 0, "exit \(result.status): \(result.err)")
    for link in links {
      let type = try FileManager.default.attributesOfItem(atPath: scratch.path(link.path))[.type] as? FileAttributeType
      #expect(type == .typeSymbolicLink, "\(link.path) is no longer a symlink")
      #expect(try FileManager.default.destinationOfSymbolicLink(atPath: scratch.path(link.path)) == link.destination)
    }
    let after = TargetState(scratch.path(shape.real))
    #expect(after.inode != before.inode && after.bytes != before.bytes)
    #expect(scratch.hasLazyRefcounts(shape.real))
    #expect(scratch.mode(shape.real) == 0o640)
    #expect(try scratch.qemuImg(["check", "-q", shape.real]).status == 0)
    #expect(scratch.leftovers() == [])
  }

  @Test("`from` copies its source to the target, which need not exist", arguments: [false, true])
  func fromCreatesTarget(targetExists: Bool) throws {
    let scratch = try ApplyScratch("from")
    defer { scratch.remove() }
    try scratch.directory("out")
    try scratch.image("source.qcow2")
    let written = try TestSupport.tool(
      "qemu-io", ["-f", "qcow2", "-c", "write -P 0x5a 0 128k", scratch.path("source.qcow2")])
    #expect(written.status == 0, "\(written.err)")
    if targetExists {
      #expect(try scratch.qemuImg(["create", "-q", "-f", "qcow2", "out/new.qcow2", "1M"]).status == 0)
    }
    let manifest = try scratch.manifest(
      "m.yaml",
      [
        ApplyEntry(path: "out/new.qcow2", from: "source.qcow2", edits: [ApplyEdit.mark("copied")])
      ])
    let source = TargetState(scratch.path("source.qcow2"))

    let result = try ApplyRun.run(manifest)

    #expect(result.status == 0, "exit \(result.status): \(result.err)")
    #expect(TargetState(scratch.path("source.qcow2")) == source, "the source changed")
    #expect(scratch.headerContains("out/new.qcow2", "copied"))
    #expect(!scratch.headerContains("source.qcow2", "copied"))
    #expect(try scratch.qemuImg(["check", "-q", "out/new.qcow2"]).status == 0)
    #expect(try scratch.qemuImg(["compare", "source.qcow2", "out/new.qcow2"]).status == 0)
    #expect(scratch.leftovers() == [])
  }

  // MARK: - Dry runs and JSON

  @Test("--dry-run writes nothing", arguments: [false, true])
  func dryRunWritesNothing(json: Bool) throws {
    let scratch = try ApplyScratch("dry")
    defer { scratch.remove() }
    try scratch.image("a.qcow2")
    try scratch.image("template.qcow2")
    let manifest = try scratch.manifest(
      "m.yaml",
      [
        ApplyEntry(path: "a.qcow2", edits: [ApplyEdit.lazyRefcounts]),
        ApplyEntry(path: "new.qcow2", from: "template.qcow2", edits: [ApplyEdit.mark("new")]),
      ])
    let names = ["a.qcow2", "new.qcow2", "template.qcow2"]
    let before = scratch.states(names)

    let result = try ApplyRun.run(manifest, ["--dry-run"] + (json ? ["--json"] : []))

    #expect(result.status == 0, "exit \(result.status): \(result.err)")
    if json {
      let document = ApplyRun.document(result)
      #expect(document?["applied"] as? Bool == false && document?["valid"] as? Bool == true, "\(result.out)")
    } else {
      #expect(result.out.contains("plan is valid: 2 images") && !result.out.contains("applied:"))
    }
    #expect(scratch.states(names) == before)
    #expect(scratch.leftovers() == [])
  }

  @Test("apply --json prints one JSON document, whatever happens", arguments: JSONCase.allCases)
  func jsonDocument(_ jsonCase: JSONCase) throws {
    let scratch = try ApplyScratch("json")
    defer { scratch.remove() }
    try scratch.image("a.qcow2")
    try scratch.image("template.qcow2")
    var entries = [
      ApplyEntry(path: "a.qcow2", edits: [ApplyEdit.lazyRefcounts]),
      ApplyEntry(path: "new.qcow2", from: "template.qcow2", edits: [ApplyEdit.mark("new")]),
    ]
    var environment: [String] = []
    switch jsonCase {
    case .applied: break
    case .renameFails: environment = ["QCOW_BATCH_TEST_FAIL_RENAME=2"]
    case .invalidPlan: entries[0].expect = ["version: 2"]
    case .missingDirectory: entries[1] = ApplyEntry(path: "nowhere/new.qcow2", from: "template.qcow2")
    }
    let manifest = try scratch.manifest("m.yaml", entries)
    let names = ["a.qcow2", "new.qcow2", "template.qcow2"]
    let before = scratch.states(names)

    let result = try ApplyRun.run(manifest, ["--json"], environment: environment)

    let document = ApplyRun.document(result)
    #expect(document != nil, "not one JSON document: \(result.out)")
    let errors = document?["errors"] as? [[String: Any]] ?? []
    let messages = errors.compactMap { $0["message"] as? String }
    if jsonCase == .applied {
      #expect(result.status == 0, "exit \(result.status): \(result.err)")
      #expect(document?["applied"] as? Bool == true && document?["valid"] as? Bool == true)
      #expect((document?["images"] as? [Any])?.count == 2 && errors.isEmpty)
      #expect(scratch.hasLazyRefcounts("a.qcow2") && scratch.headerContains("new.qcow2", "new"))
    } else {
      #expect(result.status == 1, "exit \(result.status)")
      #expect(document?["applied"] as? Bool == false)
      #expect(!messages.isEmpty, "the JSON does not say why nothing was applied; stderr: \(result.err)")
      let expected = [
        "renameFails": "cannot rename", "invalidPlan": "expected version 2", "missingDirectory": "nowhere",
      ]
      #expect(messages.contains { $0.contains(expected[jsonCase.rawValue] ?? "?") }, "\(messages)")
      #expect(scratch.states(names) == before)
    }
    #expect(scratch.leftovers() == [])
  }

  /// The apparent size of the file at `path` and the bytes allocated to it.
  private static func sizes(_ path: String) throws -> (Int64, Int64) {
    var status = stat()
    guard stat(path, &status) == 0 else { throw ApplyTestError(description: "cannot stat \(path)") }
    return (Int64(status.st_size), Int64(status.st_blocks) * 512)
  }
}

import Foundation
import Glibc
import Testing

// Crash safety of `qcow-batch apply`, end to end. strace kills apply, or fails one system call
// with EIO or ENOSPC, at every write-class system call a five-image apply makes, with either way
// of syncing staged files; a tmpfs runs out of room for real; and the strace log of a successful
// apply shows the order of the syncs, the commit record, the renames and the removals.

/// The five-image transaction of the crash tests: in-place edits and `from` copies, targets that
/// exist and one that does not, in two directories.
enum CrashScenario {
  /// The targets, relative to the manifest, in manifest order.
  static let targets = ["a.qcow2", "b.qcow2", "out/c.qcow2", "out/d.qcow2", "e.qcow2"]
  /// The files the transaction must never change: the manifest and the `from` sources.
  static let untouched = ["m.yaml", "template.qcow2", "small.qcow2"]
  /// Each target's source: itself when edited in place, else its `from`.
  static let sources = ["a.qcow2", "template.qcow2", "small.qcow2", "out/d.qcow2", "template.qcow2"]

  /// Makes the images and the manifest in the directory `base` of `scratch` ("" for its root);
  /// returns the manifest's absolute path.
  static func prepare(_ scratch: ApplyScratch, in base: String = "") throws -> String {
    let at = { (name: String) in base.isEmpty ? name : base + "/" + name }
    try scratch.directory(at("out"))
    try scratch.image(at("a.qcow2"))
    try scratch.image(at("b.qcow2"))
    try scratch.image(at("out/d.qcow2"))
    try scratch.image(at("template.qcow2"), template: "overlay.qcow2")
    try scratch.image(at("small.qcow2"), template: "small-4k.qcow2")
    return try scratch.manifest(
      at("m.yaml"),
      [
        ApplyEntry(path: "a.qcow2", edits: [ApplyEdit.lazyRefcounts]),
        ApplyEntry(path: "b.qcow2", from: "template.qcow2", edits: [ApplyEdit.mark("b-new")]),
        ApplyEntry(path: "out/c.qcow2", from: "small.qcow2", edits: [ApplyEdit.mark("c-new")]),
        ApplyEntry(path: "out/d.qcow2", edits: [ApplyEdit.corruptBit]),
        ApplyEntry(path: "e.qcow2", from: "template.qcow2"),
      ])
  }

  /// The bytes of every target and of every untouched file (nil when absent).
  static func snapshot(_ scratch: ApplyScratch, in base: String = "") -> CrashSnapshot {
    let read = { (name: String) in
      FileManager.default.contents(atPath: scratch.path(base.isEmpty ? name : base + "/" + name))
    }
    return CrashSnapshot(targets: targets.map(read), untouched: untouched.map(read))
  }

  /// The old and new versions: a scenario before and after a clean apply.
  static let reference: Result<CrashReference, ApplyTestError> = {
    do {
      let scratch = try ApplyScratch("crash-reference")
      defer { scratch.remove() }
      let manifest = try prepare(scratch)
      let before = snapshot(scratch)
      let applied = try ApplyRun.run(manifest)
      guard applied.status == 0 else {
        return .failure(ApplyTestError(description: "the clean apply failed: \(applied.err)"))
      }
      let after = snapshot(scratch)
      guard after.untouched == before.untouched, zip(before.targets, after.targets).allSatisfy({ $0 != $1 }) else {
        return .failure(ApplyTestError(description: "the clean apply did not change every target"))
      }
      return .success(CrashReference(old: before.targets, new: after.targets, untouched: before.untouched))
    } catch {
      return .failure(ApplyTestError(description: "cannot make the reference versions: \(error)"))
    }
  }()
}

/// The bytes of the scenario's files.
struct CrashSnapshot: Equatable {
  let targets: [Data?]
  let untouched: [Data?]
}

/// Which version the targets hold.
enum CrashVersion: String, Sendable {
  case old
  case new
}

/// The scenario's targets before and after a clean apply.
struct CrashReference: Sendable {
  let old: [Data?]
  let new: [Data?]
  let untouched: [Data?]

  /// The version every target holds, or nil when they differ or one matches neither.
  func version(of snapshot: CrashSnapshot) -> CrashVersion? {
    if snapshot.targets == old { return .old }
    if snapshot.targets == new { return .new }
    return nil
  }

  /// Each target's state, for messages: old, new or neither.
  func describe(_ snapshot: CrashSnapshot) -> String {
    zip(CrashScenario.targets, snapshot.targets).enumerated().map { index, pair in
      let (name, bytes) = pair
      let state =
        bytes == old[index]
        ? "old" : bytes == new[index] ? "new" : bytes.map { "neither (\($0.count) bytes)" } ?? "absent"
      return "\(name): \(state)"
    }.joined(separator: ", ")
  }
}

/// Where in the transaction a system call falls.
enum CrashPhase: String, Sendable {
  /// Before the first removal of a staged file, backup or journal: a failure rolls back.
  case transaction
  /// From the first removal on: the renames are synced and the new versions stand.
  case cleanup
}

/// How apply makes staged files durable (`QCOW_BATCH_SYNC`): an fsync each, as for small
/// batches, or one syncfs per filesystem, as for 16 files or more. The matrix runs under both.
enum SyncStrategy: String, CaseIterable, Sendable {
  case file
  case filesystem

  /// The environment setting that forces this strategy.
  var environment: String { "QCOW_BATCH_SYNC=\(rawValue)" }
}

/// One write-class system call of the traced apply: where strace kills or fails it.
struct CrashPoint: Sendable, CustomTestStringConvertible {
  /// The sync strategy apply ran with.
  let strategy: SyncStrategy
  /// The system call's name.
  let syscall: String
  /// Its number among the calls of that name, from 1: strace's `when=N`.
  let occurrence: Int
  /// The call as the log shows it, shortened.
  let call: String
  /// Where in the transaction it falls.
  let phase: CrashPhase
  /// The version a kill here must end in after `recover`, when only one is possible: old up to
  /// the commit record's write, new from the first rename.
  let afterKill: CrashVersion?

  var testDescription: String { "\(strategy) sync, \(syscall) #\(occurrence): \(call)" }
}

/// A fault strace injects with an error.
enum CrashError: String, CaseIterable, Sendable, CustomTestStringConvertible {
  case eio = "EIO"
  case enospc = "ENOSPC"

  /// How the C library words it.
  var message: String { self == .eio ? "Input/output error" : "No space left on device" }

  var testDescription: String { rawValue }
}

/// One completed system call in an `strace -f -y` log.
struct StraceCall {
  let pid: String
  let name: String
  /// The paths `-y` shows for the descriptor arguments, in order.
  let descriptorPaths: [String]
  /// The quoted strings among the arguments, as strace escapes them.
  let strings: [String]
  /// The path `-y` shows for a returned descriptor.
  let resultPath: String?
  /// The whole line, without the pid.
  let text: String

  /// Parses one log line; nil for lines that are not a completed call (exits, signals).
  init?(_ line: String) {
    let trimmed = line.drop { $0 == " " }
    let pid = trimmed.prefix { $0.isNumber }
    let rest = trimmed.dropFirst(pid.count).drop { $0 == " " }
    let name = rest.prefix { $0.isLetter || $0.isNumber || $0 == "_" }
    guard !name.isEmpty, rest.dropFirst(name.count).first == "(",
      let end = rest.range(of: ") = ", options: .backwards)
    else { return nil }
    self.pid = String(pid)
    self.name = String(name)
    text = String(rest)
    let arguments = rest[rest.index(rest.startIndex, offsetBy: name.count + 1)..<end.lowerBound]
    var paths: [String] = []
    var strings: [String] = []
    var iterator = arguments.makeIterator()
    while let character = iterator.next() {
      if character == "\"" {
        var string = ""
        while let next = iterator.next(), next != "\"" {
          string.append(next)
          if next == "\\", let escaped = iterator.next() { string.append(escaped) }
        }
        strings.append(string)
      } else if character == "<" {
        var path = ""
        while let next = iterator.next(), next != ">" { path.append(next) }
        paths.append(path)
      }
    }
    descriptorPaths = paths
    self.strings = strings
    let result = rest[end.upperBound...]
    if let open = result.firstIndex(of: "<"), let close = result.lastIndex(of: ">"), open < close {
      resultPath = String(result[result.index(after: open)..<close])
    } else {
      resultPath = nil
    }
  }

  /// Whether this is an open that may create or write: O_CREAT, O_WRONLY, O_RDWR or O_TRUNC.
  var opensForWriting: Bool {
    if name == "creat" { return true }
    return ["open", "openat", "openat2"].contains(name)
      && ["O_CREAT", "O_WRONLY", "O_RDWR", "O_TRUNC"].contains { text.contains($0) }
  }
}

/// Running apply under strace.
enum CrashTrace {
  static let strace = "/usr/bin/strace"
  /// Whether strace is installed and may trace here (ptrace can be forbidden in containers).
  static let available: Bool = {
    guard FileManager.default.isExecutableFile(atPath: strace) else {
      print("strace is not installed (scripts/install-deps installs it); the crash tests are skipped")
      return false
    }
    let probe = try? TestSupport.run(URL(fileURLWithPath: strace), ["-f", "-o", "/dev/null", "/bin/true"])
    guard let probe, probe.status == 0 else {
      let reason = probe.map { $0.err.trimmingCharacters(in: .whitespacesAndNewlines) } ?? "cannot run it"
      print("strace cannot trace here (\(reason)); the crash tests are skipped")
      return false
    }
    return true
  }()

  /// The write-class system calls (a `?` keeps strace quiet about those this machine lacks).
  static let writeClass = [
    "open", "openat", "openat2", "creat", "write", "pwrite64", "writev", "pwritev", "pwritev2", "copy_file_range",
    "fsync", "fdatasync", "syncfs", "sync_file_range", "rename", "renameat", "renameat2", "link", "linkat",
    "unlink", "unlinkat", "ftruncate", "truncate", "fallocate",
  ]

  /// Runs `apply MANIFEST` under `strace -f -y` tracing `syscalls`; returns the calls it logged.
  /// The apply must succeed and be one process.
  static func tracedApply(
    _ manifest: String, logs: URL, syscalls: [String], environment: [String] = []
  ) throws -> [StraceCall] {
    let log = logs.appendingPathComponent("strace.log").path
    let result = try TestSupport.run(
      URL(fileURLWithPath: strace),
      ["-f", "-y", "-s", "65536", "-o", log, "-e", "trace=" + syscalls.map { "?" + $0 }.joined(separator: ",")]
        + environment.flatMap { ["-E", $0] } + [TestSupport.binary.path, "apply", manifest])
    guard result.status == 0, !result.crashed else {
      throw ApplyTestError(description: "the traced apply failed (exit \(result.status)): \(result.err)")
    }
    let text = try String(contentsOfFile: log, encoding: .utf8)
    let calls = text.split(separator: "\n").compactMap { StraceCall(String($0)) }
    // strace numbers calls per thread for when=N: with one thread, the log's numbering is strace's.
    guard Set(calls.map(\.pid)).count == 1 else {
      throw ApplyTestError(description: "apply ran more than one thread or process; strace's counts would differ")
    }
    return calls
  }

  /// Every write-class call of a clean traced apply of the scenario, in order, per strategy.
  static let censuses: [SyncStrategy: Result<[CrashPoint], ApplyTestError>] = Dictionary(
    uniqueKeysWithValues: SyncStrategy.allCases.map { ($0, census($0)) })

  /// Every write-class call of a clean traced apply of the scenario under `strategy`, in order.
  static func census(_ strategy: SyncStrategy) -> Result<[CrashPoint], ApplyTestError> {
    do {
      let scratch = try ApplyScratch("crash-census")
      defer { scratch.remove() }
      let manifest = try CrashScenario.prepare(scratch)
      let calls = try tracedApply(
        manifest, logs: scratch.logs, syscalls: writeClass, environment: [strategy.environment])
      let removals = ["unlink", "unlinkat"]
      let renames = ["rename", "renameat", "renameat2"]
      let isCommit = { (call: StraceCall) in
        ["write", "pwrite64"].contains(call.name)
          && call.descriptorPaths.first?.hasSuffix(".qcow-batch-journal") == true
          && call.strings.first?.contains("\\ncommit\\t") == true
      }
      guard let commit = calls.firstIndex(where: isCommit),
        let rename = calls.firstIndex(where: { renames.contains($0.name) }),
        let removal = calls.firstIndex(where: { removals.contains($0.name) })
      else { return .failure(ApplyTestError(description: "the traced apply lacks a commit, rename or removal")) }
      var counts: [String: Int] = [:]
      var points: [CrashPoint] = []
      for (position, call) in calls.enumerated() {
        counts[call.name, default: 0] += 1
        if call.name.hasPrefix("open") || call.name == "creat" {
          guard call.opensForWriting else { continue }
        }
        // Paths read relative to the scratch directory, as `~/NAME`.
        let text = call.text.replacingOccurrences(of: scratch.root.path, with: "~")
        let shortened = text.count > 110 ? text.prefix(107) + "..." : text
        points.append(
          CrashPoint(
            strategy: strategy, syscall: call.name, occurrence: counts[call.name] ?? 0, call: String(shortened),
            phase: position < removal ? .transaction : .cleanup,
            afterKill: position <= commit ? .old : position >= rename ? .new : nil))
      }
      return .success(points)
    } catch {
      return .failure(ApplyTestError(description: "\(error)"))
    }
  }

  /// The injection points of both strategies; none when strace is unusable (the tests are then disabled).
  static func points() throws -> [CrashPoint] {
    guard available else { return [] }
    return try SyncStrategy.allCases.flatMap { try censuses[$0]?.get() ?? [] }
  }

  /// Runs `apply MANIFEST` with `action` (`signal=KILL`, `error=EIO`) injected at `point`.
  static func inject(_ action: String, at point: CrashPoint, _ manifest: String) throws -> ProcessResult {
    try inject(
      action, into: point.syscall, occurrence: point.occurrence, manifest, environment: [point.strategy.environment])
  }

  /// Runs `apply MANIFEST` with `action` injected at occurrence `occurrence` of `syscall`.
  static func inject(
    _ action: String, into syscall: String, occurrence: Int, _ manifest: String, environment: [String] = []
  ) throws -> ProcessResult {
    try TestSupport.run(
      URL(fileURLWithPath: strace),
      ["-f", "-o", "/dev/null"] + environment.flatMap { ["-E", $0] } + [
        "-e", "trace=\(syscall)", "-e", "inject=\(syscall):\(action):when=\(occurrence)", TestSupport.binary.path,
        "apply", manifest,
      ])
  }
}

/// Whether this machine lets the tests mount a tmpfs.
enum SmallTmpfs {
  static let permitted: Bool = {
    guard let directory = try? TestSupport.makeTemporaryDirectory("qcow-batch-tmpfs-probe") else { return false }
    defer { try? FileManager.default.removeItem(at: directory) }
    let mounted = try? TestSupport.tool("mount", ["-t", "tmpfs", "-o", "size=64k", "tmpfs", directory.path])
    guard let mounted, mounted.status == 0 else {
      let reason = mounted.map { $0.err.trimmingCharacters(in: .whitespacesAndNewlines) } ?? "cannot run mount"
      print("mounting a tmpfs is not permitted here (\(reason)); the real-ENOSPC test is skipped")
      return false
    }
    _ = try? TestSupport.tool("umount", [directory.path])
    return true
  }()
}

@Suite("crash safety: kills, I/O errors and a full disk at every write")
struct CrashSafetyTests {
  @Test(
    "the traced apply makes the expected write-class system calls",
    .enabled(if: CrashTrace.available, "strace is missing or cannot trace here"),
    arguments: SyncStrategy.allCases)
  func census(_ strategy: SyncStrategy) throws {
    let points = try #require(CrashTrace.censuses[strategy]).get()
    var counts: [String: Int] = [:]
    for point in points { counts[point.syscall, default: 0] += 1 }
    let cleanup = points.filter { $0.phase == .cleanup }.count
    print(
      "crash points, \(strategy) sync: \(points.count) (\(cleanup) in the cleanup): "
        + counts.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", "))
    let count = { (names: [String]) in names.reduce(0) { $0 + (counts[$1] ?? 0) } }
    // The journal and five staged files are created; three originals are linked; five renames.
    #expect(count(["open", "openat", "openat2", "creat"]) >= 6)
    #expect(count(["link", "linkat"]) == 3)
    #expect(count(["rename", "renameat", "renameat2"]) == 5)
    // The journal twice and the directories twice; the staged files one by one or by one syncfs.
    switch strategy {
    case .file:
      #expect(count(["fsync", "fdatasync"]) >= 5 + 2 + 2)
      #expect(count(["syncfs"]) == 0)
    case .filesystem:
      #expect(count(["fsync", "fdatasync"]) >= 2 + 2)
      #expect(count(["syncfs"]) == 1)
    }
    #expect(count(["unlink", "unlinkat"]) >= 3 + 1)
  }

  @Test(
    "killed at any write-class system call, apply leaves old or new versions that recover finishes",
    .enabled(if: CrashTrace.available, "strace is missing or cannot trace here"),
    arguments: try CrashTrace.points())
  func killed(at point: CrashPoint) throws {
    let reference = try CrashScenario.reference.get()
    let scratch = try ApplyScratch("crash-kill")
    defer { scratch.remove() }
    let manifest = try CrashScenario.prepare(scratch)

    let killed = try CrashTrace.inject("signal=KILL", at: point, manifest)
    #expect(killed.crashed && killed.status == SIGKILL, "apply was not killed: exit \(killed.status): \(killed.err)")
    let recovered = try TestSupport.qcowBatch(["recover", manifest])

    #expect(recovered.status == 0, "recover: exit \(recovered.status): \(recovered.err)")
    let after = CrashScenario.snapshot(scratch)
    let version = reference.version(of: after)
    #expect(version != nil, "mixed after recover: \(reference.describe(after)); recover said: \(recovered.out)")
    if let expected = point.afterKill {
      #expect(version == expected, "expected every image \(expected): \(reference.describe(after))")
    }
    #expect(after.untouched == reference.untouched, "the manifest or a source changed")
    #expect(scratch.leftovers() == [])
  }

  @Test(
    "EIO or ENOSPC at a write-class call: every image old, nothing left (in the cleanup: every image new)",
    .enabled(if: CrashTrace.available, "strace is missing or cannot trace here"),
    arguments: CrashError.allCases, try CrashTrace.points())
  func failing(with error: CrashError, at point: CrashPoint) throws {
    let reference = try CrashScenario.reference.get()
    let scratch = try ApplyScratch("crash-error")
    defer { scratch.remove() }
    let manifest = try CrashScenario.prepare(scratch)

    let failed = try CrashTrace.inject("error=\(error.rawValue)", at: point, manifest)

    #expect(!failed.crashed, "apply crashed: \(failed.err)")
    let after = CrashScenario.snapshot(scratch)
    #expect(after.untouched == reference.untouched, "the manifest or a source changed")
    switch point.phase {
    case .transaction:
      #expect(failed.status != 0, "apply exited 0")
      #expect(failed.err.contains(error.message), "apply did not report the injected error: \(failed.err)")
      #expect(reference.version(of: after) == .old, "\(reference.describe(after)); apply said: \(failed.err)")
      #expect(scratch.leftovers() == [])
    case .cleanup:
      // The renames are synced and backups may be gone: the new versions stand. Removals are
      // retried (so apply may succeed); a failure that remains must say the images are new,
      // and leave what recover finishes.
      #expect(reference.version(of: after) == .new, "\(reference.describe(after)); apply said: \(failed.err)")
      let said = failed.err.isEmpty ? "" : ": " + failed.err.trimmingCharacters(in: .newlines)
      print("\(error.rawValue) at \(point.syscall) #\(point.occurrence) in the cleanup: exit \(failed.status)\(said)")
      if failed.status == 0 {
        #expect(scratch.leftovers() == [])
      } else {
        #expect(failed.err.contains("every target already holds its new version"), "\(failed.err)")
        let recovered = try TestSupport.qcowBatch(["recover", manifest])
        #expect(recovered.status == 0, "recover: exit \(recovered.status): \(recovered.err)")
        #expect(reference.version(of: CrashScenario.snapshot(scratch)) == .new)
        #expect(scratch.leftovers() == [])
      }
    }
  }

  @Test(
    "a tmpfs that runs out of room while staging leaves every image old and nothing behind",
    .enabled(if: SmallTmpfs.permitted, "mounting a tmpfs is not permitted here"))
  func realENOSPC() throws {
    let scratch = try ApplyScratch("crash-enospc")
    defer { scratch.remove() }
    try scratch.directory("small")
    let mountPoint = scratch.path("small")
    let mounted = try TestSupport.tool("mount", ["-t", "tmpfs", "-o", "size=4m", "tmpfs", mountPoint])
    try #require(mounted.status == 0, "mount: \(mounted.err)")
    defer { _ = try? TestSupport.tool("umount", [mountPoint]) }
    let manifest = try CrashScenario.prepare(scratch, in: "small")
    let before = CrashScenario.snapshot(scratch, in: "small")
    // The plan's free-space check wants room for every source's allocated blocks. Fill the
    // filesystem until exactly that much is left: the check passes, but the journal takes a
    // page of it, so the last staged copy runs out.
    var needed: UInt64 = 0
    for source in CrashScenario.sources {
      var status = stat()
      try #require(stat(scratch.path("small/" + source), &status) == 0)
      needed += UInt64(status.st_blocks) * 512
    }
    let available = { () -> UInt64 in
      var space = statvfs()
      return statvfs(mountPoint, &space) == 0 ? UInt64(space.f_bavail) * UInt64(space.f_frsize) : 0
    }
    let spare = available()
    try #require(spare >= needed, "the tmpfs is too small: \(spare) bytes free, \(needed) needed")
    let filler = Data(repeating: 0xa5, count: Int(spare - needed))
    try #require(FileManager.default.createFile(atPath: scratch.path("small/filler"), contents: filler))
    try #require(available() == needed, "\(available()) bytes free after filling, not \(needed)")

    let failed = try ApplyRun.run(manifest)

    print("real ENOSPC: apply said: \(failed.err.trimmingCharacters(in: .newlines))")
    #expect(failed.status == 1, "exit \(failed.status)")
    #expect(failed.err.contains("No space left on device"), "\(failed.err)")
    #expect(!failed.err.contains("not enough free space"), "the plan's check refused it: \(failed.err)")
    #expect(CrashScenario.snapshot(scratch, in: "small") == before)
    #expect(scratch.leftovers() == [])

    // With the filler gone the same manifest applies: it was the room that lacked.
    try FileManager.default.removeItem(atPath: scratch.path("small/filler"))
    let applied = try ApplyRun.run(manifest)
    #expect(applied.status == 0, "exit \(applied.status): \(applied.err)")
    let reference = try CrashScenario.reference.get()
    #expect(reference.version(of: CrashScenario.snapshot(scratch, in: "small")) == .new)
    #expect(scratch.leftovers() == [])
  }

  @Test(
    "a traced apply syncs staged files before the commit record, it before the renames, directories after",
    .enabled(if: CrashTrace.available, "strace is missing or cannot trace here"),
    arguments: SyncStrategy.allCases)
  func syncOrder(_ strategy: SyncStrategy) throws {
    let scratch = try ApplyScratch("crash-order")
    defer { scratch.remove() }
    let manifest = try CrashScenario.prepare(scratch)
    // Staged files are synced one by one, or by one syncfs per filesystem (for large batches).
    let calls = try CrashTrace.tracedApply(
      manifest, logs: scratch.logs,
      syscalls: [
        "openat", "write", "pwrite64", "copy_file_range", "ftruncate", "fsync", "fdatasync", "syncfs", "rename",
        "renameat", "renameat2", "link", "linkat", "unlink", "unlinkat",
      ], environment: [strategy.environment])
    // -y shows canonical paths.
    let root = try #require(
      realpath(scratch.root.path, nil).map { pointer in
        defer { free(pointer) }
        return String(cString: pointer)
      })
    let targets = CrashScenario.targets.map { root + "/" + $0 }
    let journal = root + "/.m.yaml.qcow-batch-journal"
    let directories = Set(targets.map { String($0[..<($0.lastIndex(of: "/") ?? $0.endIndex)]) } + [root])
    let syncs = ["fsync", "fdatasync"]
    /// The index of the first call from `start` on that `matches`.
    func first(from start: Int = 0, _ matches: (StraceCall) -> Bool) -> Int? {
      calls.indices.first { $0 >= start && matches(calls[$0]) }
    }
    func isSync(_ call: StraceCall, of path: String) -> Bool {
      syncs.contains(call.name) && call.descriptorPaths.first == path
    }
    /// A sync that makes the staged file at `path` durable: its fsync, or a syncfs of the
    /// scratch filesystem, which holds every file of the scenario.
    func isStagedSync(_ call: StraceCall, of path: String) -> Bool {
      strategy == .filesystem ? call.name == "syncfs" : isSync(call, of: path)
    }
    func isWrite(_ call: StraceCall, to path: String) -> Bool {
      switch call.name {
      case "write", "pwrite64", "ftruncate": call.descriptorPaths.first == path
      case "copy_file_range": call.descriptorPaths.dropFirst().first == path
      default: false
      }
    }
    let commit = try #require(
      first { isWrite($0, to: journal) && $0.strings.first?.contains("\\ncommit\\t") == true },
      "no commit record")
    let firstRename = try #require(first { $0.name.hasPrefix("rename") }, "no rename")
    let firstStaged = try #require(
      first { $0.name == "openat" && $0.text.contains("O_CREAT") && $0.resultPath != journal })

    // The begin record and the journal's directory are durable before anything is staged.
    let begin = try #require(first { isWrite($0, to: journal) })
    let beginSynced = try #require(first(from: begin) { isSync($0, of: journal) })
    let beginDirectory = try #require(first(from: beginSynced) { isSync($0, of: root) })
    #expect(beginDirectory < firstStaged, "the begin record is not durable before staging")

    for target in targets {
      let slash = target.lastIndex(of: "/") ?? target.startIndex
      let directory = String(target[..<slash])
      let prefix = directory + "/." + String(target[target.index(after: slash)...]) + ".qcow-batch-"
      // Each staged file: created, written, synced after its last write and before the commit record.
      let created = calls.filter { $0.name == "openat" && $0.text.contains("O_CREAT") }.compactMap(\.resultPath).filter
      { $0.hasPrefix(prefix) && !$0.contains("backup") }
      try #require(created.count == 1, "\(target): staged files \(created)")
      let staged = created[0]
      let lastWrite = try #require(calls.indices.last { isWrite(calls[$0], to: staged) }, "\(staged) never written")
      let synced = first(from: lastWrite) { isStagedSync($0, of: staged) }
      #expect(
        synced.map { $0 < commit } == true, "\(staged) is not synced between its last write and the commit record")
      // Each original is linked to its backup before the commit record, and the link made durable.
      if let link = first({ $0.name.hasPrefix("link") && $0.strings.first == target }) {
        let linkSynced = first(from: link) { isSync($0, of: directory) }
        #expect(
          link < commit && linkSynced.map { $0 < commit } == true, "\(target)'s backup link is not durable in time")
      } else {
        #expect(target.hasSuffix("c.qcow2") || target.hasSuffix("e.qcow2"), "\(target) has no backup link")
      }
      // The rename comes after the commit record is durable.
      let rename = try #require(
        first { $0.name.hasPrefix("rename") && $0.strings == [staged, target] }, "\(staged) not renamed")
      #expect(rename > commit)
    }

    // The commit record and the journal's directory are synced before the first rename.
    let commitSynced = first(from: commit) { isSync($0, of: journal) }
    #expect(commitSynced.map { $0 < firstRename } == true, "the commit record is not synced before the first rename")
    let commitDirectory = commitSynced.flatMap { synced in first(from: synced) { isSync($0, of: root) } }
    #expect(
      commitDirectory.map { $0 < firstRename } == true, "the journal's directory is not synced before the first rename")

    // After the last rename every directory is synced, before anything is removed.
    let lastRename = try #require(calls.indices.last { calls[$0].name.hasPrefix("rename") })
    let firstRemoval = try #require(first { $0.name.hasPrefix("unlink") }, "nothing removed")
    #expect(firstRemoval > lastRename)
    for directory in directories.sorted() {
      let synced = first(from: lastRename) { isSync($0, of: directory) }
      #expect(
        synced.map { $0 < firstRemoval } == true, "\(directory) is not synced between the renames and the removals")
    }
    // The journal goes last, once the backups' removal is durable, and its removal is synced too.
    let journalRemoved = try #require(first { $0.name.hasPrefix("unlink") && $0.strings.first == journal })
    let lastBackupRemoved = try #require(
      calls.indices.last {
        calls[$0].name.hasPrefix("unlink") && calls[$0].strings.first?.contains(".qcow-batch-backup-") == true
      })
    for directory in directories.sorted() {
      let synced = first(from: lastBackupRemoved) { isSync($0, of: directory) }
      #expect(synced.map { $0 < journalRemoved } == true, "\(directory) is not synced before the journal is removed")
    }
    #expect(first(from: journalRemoved) { isSync($0, of: root) } != nil, "the journal's removal is not synced")
  }
}

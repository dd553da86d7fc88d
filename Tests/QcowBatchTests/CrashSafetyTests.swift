import Foundation
import Glibc
import Testing

// Crash safety of `qcow-batch apply`, end to end. strace kills apply, or fails one system call
// with EIO or ENOSPC, at every write-class system call a five-image apply makes, with either way
// of syncing staged files; a tmpfs runs out of room for real; and the strace log of a successful
// apply shows the order of the syncs, the commit record, the renames and the removals.

@Suite("crash safety: kills, I/O errors and a full disk at every write")
struct CrashSafetyTests {
  @Test(
    "the traced apply makes the expected write-class system calls",
    .enabled(if: CrashTrace.available, "strace is missing or cannot trace here"),
    arguments: SyncStrategy.allCases)
  func census(_ strategy: SyncStrategy) throws {
    let points = try CrashTrace.census(of: .clean, strategy)
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
    "killed at any write-class system call, also on the abort path, apply leaves old or new versions that recover finishes",
    .enabled(if: CrashTrace.available, "strace is missing or cannot trace here"),
    arguments: try CrashTrace.points(CrashRun.allCases))
  func killed(at point: CrashPoint) throws {
    let scratch = try ApplyScratch("crash-kill")
    defer { scratch.remove() }
    let manifest = try CrashScenario.prepare(scratch)

    let killed = try CrashTrace.inject("signal=KILL", at: point, manifest)
    #expect(killed.crashed && killed.status == SIGKILL, "apply was not killed: exit \(killed.status): \(killed.err)")
    let recovered = try TestSupport.qcowBatch(["recover", manifest])

    try CrashScenario.expectRecovered(recovered, scratch, after: point)
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
    .enabled(if: Tmpfs.permitted, "mounting a tmpfs is not permitted here"))
  func realENOSPC() throws {
    let scratch = try ApplyScratch("crash-enospc")
    defer { scratch.remove() }
    try scratch.directory("small")
    let mountPoint = scratch.path("small")
    try Tmpfs.mount(mountPoint, size: "4m")
    defer { Tmpfs.unmount(mountPoint) }
    let manifest = try CrashScenario.prepare(scratch, in: "small")
    let before = CrashScenario.snapshot(scratch, in: "small")
    // The plan's free-space check wants room for every source's allocated blocks and the data
    // the plan writes; with the filesystem full it says how much. Fill the filesystem until
    // exactly that much is left: the check passes, but the journal takes a page of it, so the
    // last staged copy runs out.
    let available = { () -> UInt64 in
      var space = statvfs()
      return statvfs(mountPoint, &space) == 0 ? UInt64(space.f_bavail) * UInt64(space.f_frsize) : 0
    }
    let spare = available()
    try #require(
      FileManager.default.createFile(atPath: scratch.path("small/filler"), contents: Data(count: Int(spare))))
    let asked = try TestSupport.qcowBatch(["plan", manifest]).err
    try FileManager.default.removeItem(atPath: scratch.path("small/filler"))
    let figure = asked.components(separatedBy: "need ").dropFirst().first?.prefix { $0.isNumber }
    let needed = try #require(figure.flatMap { UInt64($0) }, "the full filesystem's plan said: \(asked)")
    var sources: UInt64 = 0
    for source in CrashScenario.sources {
      var status = stat()
      try #require(stat(scratch.path("small/" + source), &status) == 0)
      sources += UInt64(status.st_blocks) * 512
    }
    #expect(needed > sources, "the setup steps' data is counted: \(needed) bytes for \(sources) of sources")
    try #require(spare >= needed, "the tmpfs is too small: \(spare) bytes free, \(needed) needed")
    // tmpfs counts pages: leave the fewest whole pages that hold the figure.
    let page: UInt64 = 4096
    let filler = Data(repeating: 0xa5, count: Int(spare - (needed + page - 1) / page * page))
    try #require(FileManager.default.createFile(atPath: scratch.path("small/filler"), contents: filler))
    try #require(available() >= needed && available() - needed < page, "\(available()) bytes free, \(needed) needed")

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
    "a manifest named by a relative path syncs each directory as often as by its absolute path",
    .enabled(if: CrashTrace.available, "strace is missing or cannot trace here"))
  func directorySyncsOnce() throws {
    /// The directories each fsync of the scenario's apply syncs, in order, relative to its root.
    func directorySyncs(relative: Bool) throws -> [String] {
      let scratch = try ApplyScratch("crash-directory-syncs")
      defer { scratch.remove() }
      let manifest = try CrashScenario.prepare(scratch)
      let log = scratch.logs.appendingPathComponent("strace.log").path
      let result = try TestSupport.run(
        URL(fileURLWithPath: CrashTrace.strace),
        ["-f", "-y", "-o", log, "-e", "trace=fsync", TestSupport.binary.path, "apply", "-q"]
          + [relative ? "m.yaml" : manifest], directory: scratch.root)
      try #require(result.status == 0, "\(result.err)")
      let root = try #require(TestSupport.canonical(scratch.root.path))
      let directories = [root, root + "/out"]
      return try String(contentsOfFile: log, encoding: .utf8).split(separator: "\n")
        .compactMap { StraceCall(String($0))?.descriptorPaths.first }
        .filter(directories.contains).map { $0 == root ? "." : "out" }
    }
    let absolute = try directorySyncs(relative: false)
    #expect(absolute.count >= 4, "\(absolute)")
    #expect(try directorySyncs(relative: true) == absolute)
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
    let root = try #require(TestSupport.canonical(scratch.root.path))
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

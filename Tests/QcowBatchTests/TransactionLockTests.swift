import Foundation
import Glibc
import Testing

// End-to-end tests of `qcow-batch apply`. Every test runs the built binary on images in its
// own scratch directory.

@Suite("apply: QEMU's locks, changes while staging and concurrent runs", .serialized)
struct TransactionLockTests {
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
}

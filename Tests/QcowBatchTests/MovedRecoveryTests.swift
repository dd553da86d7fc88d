import Foundation
import Glibc
import Testing

// Recovery where the files of a crashed apply come back with other device and inode numbers, as
// after a reboot that renumbers a disk or a restore from a copy: the kill matrix, with the
// directory copied to a tmpfs before `recover` runs there.

/// How the crashed apply's directory is copied to the other filesystem.
enum DirectoryCopy: String, CaseIterable, Sendable {
  /// `cp -a`: a target not yet replaced is still one file with its backup.
  case keepingLinks
  /// `cp -R` without links: a target and its backup become two files with the same bytes.
  case breakingLinks

  /// The options of `cp`.
  var options: [String] { self == .keepingLinks ? ["-a"] : ["-R", "--preserve=mode,ownership,timestamps"] }
}

@Suite("recovery on another filesystem: new device and inode numbers")
struct MovedRecoveryTests {
  @Test(
    "killed at any write-class call, also on the abort path, and moved to a tmpfs: recover there ends all old or all new",
    .enabled(if: CrashTrace.available, "strace is missing or cannot trace here"),
    .enabled(if: Tmpfs.permitted, "mounting a tmpfs is not permitted here"),
    arguments: try CrashTrace.points(CrashRun.allCases), DirectoryCopy.allCases)
  func killedThenMoved(at point: CrashPoint, copy: DirectoryCopy) throws {
    let scratch = try ApplyScratch("moved")
    defer { scratch.remove() }
    let manifest = try CrashScenario.prepare(scratch, in: "before")
    let killed = try CrashTrace.inject("signal=KILL", at: point, manifest)
    #expect(killed.crashed && killed.status == SIGKILL, "apply was not killed: exit \(killed.status): \(killed.err)")

    // The copy is on another filesystem, and the original is removed: a journal that named the
    // old place, or a version known by its device number, would not be found there.
    try scratch.directory("after")
    let moved = scratch.path("after")
    try Tmpfs.mount(moved, size: "16m")
    defer { Tmpfs.unmount(moved) }
    let copied = try TestSupport.tool("cp", copy.options + [scratch.path("before") + "/.", moved])
    try #require(copied.status == 0, "cp: \(copied.err)")
    #expect(device(of: moved) != device(of: scratch.path("before")), "the copy is on the same device")
    try FileManager.default.removeItem(atPath: scratch.path("before"))

    let recovered = try TestSupport.qcowBatch(["recover", moved + "/m.yaml"])

    try CrashScenario.expectRecovered(recovered, scratch, in: "after", after: point)
  }

  /// The device number of the filesystem holding `path`.
  private func device(of path: String) -> UInt64? {
    var status = stat()
    return stat(path, &status) == 0 ? UInt64(status.st_dev) : nil
  }
}

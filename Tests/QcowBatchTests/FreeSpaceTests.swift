import Foundation
import Testing

/// `apply` on a filesystem too small for the staged copies: refused at plan time.
@Suite("free space")
struct FreeSpaceTests {
  @Test("a plan needing more room than the target filesystem has is refused, and nothing is written")
  func tooLittleSpace() throws {
    let scratch = try ApplyScratch("free-space")
    defer { scratch.remove() }
    try scratch.directory("small")
    let mountPoint = scratch.path("small")
    let mounted = try TestSupport.tool("mount", ["-t", "tmpfs", "-o", "size=512k", "tmpfs", mountPoint])
    guard mounted.status == 0 else {
      print("skipped: cannot mount a small tmpfs here: \(mounted.err)")
      return
    }
    defer { _ = try? TestSupport.tool("umount", [mountPoint]) }
    try scratch.image("base.qcow2")
    // Four copies of a 192 KiB template need 768 KiB; the filesystem holds 512 KiB.
    let entries = (1...4).map { ApplyEntry(path: "small/copy\($0).qcow2", from: "base.qcow2") }
    let manifest = try scratch.manifest("m.yaml", entries)
    let result = try ApplyRun.run(manifest)
    #expect(result.status == 1)
    #expect(
      result.err.contains("error: not enough free space for the staged copies in '\(mountPoint)'"), "\(result.err)")
    #expect(try FileManager.default.contentsOfDirectory(atPath: mountPoint).isEmpty)
    // Two copies fit: the same check lets them through.
    let fitting = try scratch.manifest("fits.yaml", Array(entries.prefix(2)))
    let applied = try ApplyRun.run(fitting)
    #expect(applied.status == 0, "\(applied.err)")
    #expect(try FileManager.default.contentsOfDirectory(atPath: mountPoint).sorted() == ["copy1.qcow2", "copy2.qcow2"])
  }

  @Test(
    "setup steps count in the free-space check",
    .enabled(if: Tmpfs.permitted, "mounting a tmpfs is not permitted here"))
  func setupData() throws {
    let scratch = try ApplyScratch("free-space-setup")
    defer { scratch.remove() }
    try scratch.directory("small")
    let mountPoint = scratch.path("small")
    try Tmpfs.mount(mountPoint, size: "512k")
    defer { Tmpfs.unmount(mountPoint) }
    let manifest = scratch.path("m.yaml")
    let text = { (length: String) in
      "version: 1\nimages:\n  - path: small/a.qcow2\n    create: {size: 64M}\n    setup:\n"
        + "      - write: {offset: 0, length: \(length)}\n"
    }
    try text("1M").write(toFile: manifest, atomically: true, encoding: .utf8)
    let result = try ApplyRun.run(manifest)
    #expect(result.status == 1)
    #expect(
      result.err.contains("error: not enough free space for the staged copies in '\(mountPoint)'"), "\(result.err)")
    #expect(try FileManager.default.contentsOfDirectory(atPath: mountPoint).isEmpty)
    try text("64k").write(toFile: manifest, atomically: true, encoding: .utf8)
    let applied = try ApplyRun.run(manifest)
    #expect(applied.status == 0, "\(applied.err)")
  }
}

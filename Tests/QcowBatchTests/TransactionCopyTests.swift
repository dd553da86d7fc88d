import Foundation
import Glibc
import Testing

// End-to-end tests of `qcow-batch apply`. Every test runs the built binary on images in its
// own scratch directory.

@Suite("apply: the new version keeps holes, mode, owner and symlinks", .serialized)
struct TransactionCopyTests {
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

  /// The apparent size of the file at `path` and the bytes allocated to it.
  private static func sizes(_ path: String) throws -> (Int64, Int64) {
    var status = stat()
    guard stat(path, &status) == 0 else { throw ApplyTestError(description: "cannot stat \(path)") }
    return (Int64(status.st_size), Int64(status.st_blocks) * 512)
  }
}

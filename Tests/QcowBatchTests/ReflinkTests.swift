import Foundation
import Testing

/// On a filesystem that shares extents (XFS), a staged copy is a reflink clone of its source.
@Suite("copy strategy", .serialized)
struct ReflinkTests {
  /// The manifest the test applies.
  static let manifest =
    "version: 1\nimages:\n  - path: out/copy.qcow2\n    from: source.qcow2\n    edits:\n      - set-feature-bit compatible 0\n"

  @Test("apply on a loop-mounted XFS clones the source: the result shares its extents")
  func stagedCopySharesExtents() throws {
    let scratch = try ApplyScratch("reflink")
    defer { scratch.remove() }
    let image = scratch.path("xfs.img")
    let mountPoint = scratch.path("mnt")
    try scratch.directory("mnt")
    guard FileManager.default.createFile(atPath: image, contents: nil),
      (try TestSupport.tool("truncate", ["-s", "1G", image])).status == 0,
      (try TestSupport.tool("mkfs.xfs", ["-q", image])).status == 0
    else {
      print("skipped: cannot make an XFS filesystem here (mkfs.xfs from xfsprogs is missing)")
      return
    }
    let mounted = try TestSupport.tool("mount", ["-o", "loop", image, mountPoint])
    guard mounted.status == 0 else {
      print("skipped: cannot loop-mount XFS here: \(mounted.err)")
      return
    }
    defer { _ = try? TestSupport.tool("umount", [mountPoint]) }
    let mnt = URL(fileURLWithPath: mountPoint)
    #expect(try TestSupport.qcowBatch(["create", "-q", "source.qcow2", "1G"], directory: mnt).status == 0)
    let written = try TestSupport.tool(
      "qemu-io", ["-f", "qcow2", "-c", "write -P 0xab 0 64M", "source.qcow2"], directory: mnt)
    #expect(written.status == 0, "\(written.err)")
    try FileManager.default.createDirectory(at: mnt.appendingPathComponent("out"), withIntermediateDirectories: true)
    try ReflinkTests.manifest.write(to: mnt.appendingPathComponent("m.yaml"), atomically: false, encoding: .utf8)
    let applied = try TestSupport.qcowBatch(["apply", "m.yaml"], directory: mnt)
    #expect(applied.status == 0, "\(applied.err)")
    // filefrag marks extents the copy shares with its source; the header cluster was rewritten.
    let extents = try TestSupport.tool("filefrag", ["-v", "out/copy.qcow2"], directory: mnt).out
    let shared = extents.split(separator: "\n").filter { $0.contains("shared") }
    #expect(!shared.isEmpty, "no shared extents:\n\(extents)")
    let compare = try TestSupport.tool("qemu-img", ["compare", "source.qcow2", "out/copy.qcow2"], directory: mnt)
    #expect(compare.status == 0, "\(compare.out)")
    let info = try TestSupport.qcowBatch(["info", "--json", "out/copy.qcow2"], directory: mnt)
    #expect(info.out.contains("\"lazy_refcounts\": true"))
  }
}

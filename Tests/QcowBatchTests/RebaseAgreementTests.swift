import Foundation
import Testing

/// `set-backing-file` against `qemu-img rebase -u`: the same bytes, or a refusal where
/// qemu-img fails.
@Suite("set-backing-file agrees with qemu-img rebase -u")
struct RebaseAgreementTests {
  /// One image, made by qemu-img (and qcow-batch's qcow2 drop-in), and the new backing file.
  struct Case: Sendable, CustomStringConvertible {
    let name: String
    /// `qemu-img create -f qcow2` arguments before the file name, then the size.
    let create: [String]
    /// qcow2.py-style edits made before the rebase.
    var edits: [[String]] = []
    /// The new backing file name; nil removes it (`-b ""`).
    let file: String?
    /// The format; nil leaves `-F` out (compared with the layout without the extension).
    let format: String?

    var description: String { name }
  }

  static let long = String(repeating: "a", count: 1023)

  static let cases: [Case] = [
    Case(name: "v3, none -> qcow2", create: [], file: "new.qcow2", format: "qcow2"),
    Case(name: "v3, none -> raw", create: [], file: "new.raw", format: "raw"),
    Case(name: "v3, none -> removed", create: [], file: nil, format: nil),
    Case(
      name: "v3 with backing -> other", create: ["-b", "base.qcow2", "-F", "qcow2"], file: "other.qcow2",
      format: "qcow2"),
    Case(name: "v3 with backing -> removed", create: ["-b", "base.qcow2", "-F", "qcow2"], file: nil, format: nil),
    Case(name: "v3 with backing -> vmdk", create: ["-b", "base.qcow2", "-F", "qcow2"], file: "x", format: "vmdk"),
    Case(
      name: "v3 with backing -> a 1023-byte name", create: ["-b", "base.qcow2", "-F", "qcow2"], file: long,
      format: "raw"),
    Case(name: "v3, a 1024-byte name is refused", create: [], file: long + "a", format: "raw"),
    Case(name: "v2, none -> qcow2", create: ["-o", "compat=0.10"], file: "new.qcow2", format: "qcow2"),
    Case(
      name: "v2 with backing -> removed", create: ["-o", "compat=0.10", "-b", "base.qcow2", "-F", "qcow2"], file: nil,
      format: nil),
    Case(
      name: "v2 with backing -> parallels", create: ["-o", "compat=0.10", "-b", "base.qcow2", "-F", "qcow2"], file: "p",
      format: "parallels"),
    Case(
      name: "v3 4k clusters (no feature table)", create: ["-o", "cluster_size=4k"], file: "new.qcow2", format: "qcow2"),
    Case(name: "v3 512-byte clusters, a short name", create: ["-o", "cluster_size=512"], file: "b.raw", format: "raw"),
    Case(
      name: "v3 512-byte clusters, a name past the cluster is refused", create: ["-o", "cluster_size=512"],
      file: String(repeating: "b", count: 400), format: "raw"),
    Case(
      name: "v3 with an unknown extension", create: [], edits: [["add-header-ext", "0x12345678", "hello"]],
      file: "new.qcow2", format: "qcow2"),
    Case(
      name: "v3 with backing and an unknown extension -> removed", create: ["-b", "base.qcow2", "-F", "qcow2"],
      edits: [["add-header-ext", "0x12345678", "hi"]], file: nil, format: nil),
    Case(name: "v3 lazy refcounts", create: ["-o", "lazy_refcounts=on"], file: "new.qcow2", format: "qcow2"),
    Case(
      name: "v3 with an unknown autoclear bit (cleared)", create: [], edits: [["set-feature-bit", "autoclear", "5"]],
      file: "new.qcow2", format: "qcow2"),
    Case(
      name: "v3 with header_length 120 (unknown header bytes kept)", create: [],
      edits: [["set-header", "header_length", "120"]], file: "new.qcow2", format: "qcow2"),
    Case(
      name: "v3 with an external data file", create: ["-o", "data_file=data.raw"], file: "new.qcow2", format: "qcow2"),
    Case(
      name: "v3 with a raw external data file is refused", create: ["-o", "data_file=data.raw,data_file_raw=on"],
      file: "new.qcow2", format: "qcow2"),
    Case(
      name: "v3 zstd, name with spaces", create: ["-o", "compression_type=zstd"], file: "my base.img", format: "qcow2"),
    Case(name: "v3, format omitted", create: [], file: "new.qcow2", format: nil),
    Case(
      name: "v2 with backing, format omitted", create: ["-o", "compat=0.10", "-b", "base.qcow2", "-F", "qcow2"],
      file: "x.img", format: nil),
  ]

  @Test("cmp-identical to qemu-img rebase -u, or refused where it fails", arguments: cases)
  func rebase(_ rebase: Case) throws {
    let directory = try TestSupport.makeTemporaryDirectory("qcow-batch-rebase")
    defer { try? FileManager.default.removeItem(at: directory) }
    try expectSuccess(
      TestSupport.tool("qemu-img", ["create", "-q", "-f", "qcow2", "base.qcow2", "64M"], directory: directory), "base")
    try expectSuccess(
      TestSupport.tool(
        "qemu-img", ["create", "-q", "-f", "qcow2"] + rebase.create + ["image.qcow2", "64M"], directory: directory),
      "create")
    for edit in rebase.edits {
      try expectSuccess(
        TestSupport.qcowBatch(["qcow2", directory.appendingPathComponent("image.qcow2").path] + edit), "edit")
    }
    try expectSuccess(TestSupport.tool("cp", ["image.qcow2", "qemu.qcow2"], directory: directory), "cp")
    let qemu = try TestSupport.tool(
      "qemu-img",
      ["rebase", "-u", "-b", rebase.file ?? ""] + ["-F", rebase.format ?? "raw"].filter { _ in rebase.file != nil } + [
        "qemu.qcow2"
      ],
      directory: directory)
    let body =
      rebase.file.map { file in
        "{file: \"\(file)\"" + (rebase.format.map { ", format: \($0)" } ?? "") + "}"
      } ?? "null"
    try Data(
      "version: 1\nimages:\n  - path: ours.qcow2\n    from: image.qcow2\n    edits:\n      - set-backing-file: \(body)\n"
        .utf8
    )
    .write(to: directory.appendingPathComponent("m.yaml"))
    let ours = try TestSupport.qcowBatch(["apply", "--quiet", directory.appendingPathComponent("m.yaml").path])
    guard qemu.status == 0 else {
      #expect(ours.status == 1, "qemu-img failed (\(qemu.err)) but apply did not: \(ours.out)")
      #expect(!FileManager.default.fileExists(atPath: directory.appendingPathComponent("ours.qcow2").path))
      return
    }
    try #require(ours.status == 0, "\(ours.err)")
    var expected = [UInt8](try Data(contentsOf: directory.appendingPathComponent("qemu.qcow2")))
    if rebase.format == nil && rebase.file != nil {
      try RebaseAgreementTests.dropBackingFormat(&expected)
    }
    #expect([UInt8](try Data(contentsOf: directory.appendingPathComponent("ours.qcow2"))) == expected)
    if rebase.format != nil || rebase.file == nil {
      let cmp = try TestSupport.tool("cmp", ["qemu.qcow2", "ours.qcow2"], directory: directory)
      #expect(cmp.status == 0, "\(cmp.out)")
    }
  }

  /// The first cluster QEMU wrote, as QEMU wrote it before `-F` was required: without the
  /// backing format extension (always the first one), the rest moved up, zeros after.
  static func dropBackingFormat(_ image: inout [UInt8]) throws {
    let start = image[4..<8].elementsEqual([0, 0, 0, 2]) ? 72 : 112
    let clusterSize = 1 << Int(image[23])
    let magic = image[start..<start + 4].reduce(0) { $0 << 8 | UInt32($1) }
    try #require(magic == 0xe279_2aca, "the backing format extension comes first")
    let length = Int(image[start + 4..<start + 8].reduce(0) { $0 << 8 | UInt32($1) })
    let removed = 8 + (length + 7) / 8 * 8
    var cluster = Array(image[0..<clusterSize])
    cluster.removeSubrange(start..<start + removed)
    cluster += [UInt8](repeating: 0, count: removed)
    let offset = image[8..<16].reduce(0) { $0 << 8 | UInt64($1) } - UInt64(removed)
    for index in 0..<8 { cluster[8 + index] = UInt8(truncatingIfNeeded: offset >> UInt64(56 - 8 * index)) }
    image.replaceSubrange(0..<clusterSize, with: cluster)
  }
}

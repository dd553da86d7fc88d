import Foundation
import Testing

/// One `create` command line, run the same way by `qemu-img create -f qcow2` and by
/// `qcow-batch create -f qcow2`, each in its own directory holding the same backing files.
struct CreateCase: CustomStringConvertible, Sendable {
  /// The image every case creates.
  static let image = "x.qcow2"

  /// The arguments after `create -f qcow2`.
  let arguments: [String]
  /// For a refusal qemu-img handles differently: the text our error must contain instead.
  let oursOnly: String?

  var description: String { arguments.joined(separator: " ") }

  /// A case from its arguments separated by spaces (no argument contains a space).
  init(_ line: String, oursOnly: String? = nil) {
    arguments = line.split(separator: " ").map(String.init)
    self.oursOnly = oursOnly
  }

  /// Two directories, `qemu` and `ours`, each with the backing files the cases use:
  /// `base.qcow2` (32 MiB, made by qemu-img), `b,ase.qcow2` (a copy) and `base.raw`
  /// (1000001 bytes, which qemu-img rounds up to 1000448).
  static func workspace() throws -> (root: URL, qemu: URL, ours: URL) {
    let root = try TestSupport.makeTemporaryDirectory("qcow-batch-create")
    let qemu = root.appendingPathComponent("qemu")
    let ours = root.appendingPathComponent("ours")
    for directory in [qemu, ours] {
      try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: false)
      let made = try TestSupport.tool(
        "qemu-img", ["create", "-q", "-f", "qcow2", "base.qcow2", "32M"], directory: directory)
      try #require(made.status == 0, "qemu-img create base.qcow2: \(made.err)")
      try FileManager.default.copyItem(
        at: directory.appendingPathComponent("base.qcow2"), to: directory.appendingPathComponent("b,ase.qcow2"))
      var raw = Data(count: 1_000_001)
      raw[0] = 0xeb
      try raw.write(to: directory.appendingPathComponent("base.raw"))
    }
    return (root, qemu, ours)
  }

  /// Runs both tools; returns qemu-img's result and ours.
  func run(qemu: URL, ours: URL) throws -> (qemu: ProcessResult, ours: ProcessResult) {
    let full = ["create", "-f", "qcow2"] + arguments
    return (
      try TestSupport.tool("qemu-img", full, directory: qemu), try TestSupport.qcowBatch(full, directory: ours)
    )
  }

  /// The names in `directory`, sorted.
  static func files(_ directory: URL) throws -> [String] {
    try FileManager.default.contentsOfDirectory(atPath: directory.path).sorted()
  }

  /// Checks that both directories hold the same files, byte for byte (`cmp`).
  static func expectSameFiles(qemu: URL, ours: URL, _ label: String) throws {
    let names = try files(qemu)
    #expect(try files(ours) == names, "\(label): the files each tool left")
    for name in names where FileManager.default.fileExists(atPath: ours.appendingPathComponent(name).path) {
      let result = try TestSupport.tool(
        "cmp", [qemu.appendingPathComponent(name).path, ours.appendingPathComponent(name).path])
      #expect(result.status == 0, "\(label): \(name) differs: \(result.out)\(result.err)")
    }
  }

  /// The virtual size in the header of the image at `url` (bytes 24..<32, big-endian).
  static func headerSize(_ url: URL) throws -> UInt64 {
    let bytes = try Data(contentsOf: url).prefix(32)
    try #require(bytes.count == 32)
    return bytes.suffix(8).reduce(0) { $0 << 8 | UInt64($1) }
  }
}

@Suite("create: byte-identical to qemu-img create -f qcow2")
struct CreateTests {
  /// Every option, every cluster size from 512 to 2M, sizes 0, 1000, 16M, 64M, 1G, 1T and the
  /// sizes that need more refcount blocks (and, once, a moved refcount table), v2 and v3,
  /// with and without backing and data files.
  static let matrix: [CreateCase] = [
    // Defaults (v3, 64K clusters, 16-bit refcounts, zlib) at each size.
    CreateCase("x.qcow2 0"),
    CreateCase("x.qcow2 1000"),
    CreateCase("x.qcow2 16M"),
    CreateCase("x.qcow2 64M"),
    CreateCase("x.qcow2 1G"),
    CreateCase("x.qcow2 1T"),
    CreateCase("-q x.qcow2 64M"),
    CreateCase("-o size=1000,extended_l2=off,lazy_refcounts=off x.qcow2"),
    // Each cluster size.
    CreateCase("-o cluster_size=512 x.qcow2 0"),
    CreateCase("-o cluster_size=512 x.qcow2 1000"),
    CreateCase("-o cluster_size=512 x.qcow2 64M"),
    CreateCase("-o cluster_size=512 x.qcow2 508M"),  // a second refcount block, after the L1
    CreateCase("-o cluster_size=512 x.qcow2 1G"),  // three refcount blocks
    CreateCase("-o cluster_size=512 x.qcow2 100G"),  // 202 refcount blocks: the table moves
    CreateCase("-o cluster_size=1k x.qcow2 1G"),
    CreateCase("-o cluster_size=2k x.qcow2 1T"),  // nine refcount blocks
    CreateCase("-o cluster_size=4k x.qcow2 1T"),
    CreateCase("-o cluster_size=8k x.qcow2 16M"),
    CreateCase("-o cluster_size=16k x.qcow2 1G"),
    CreateCase("-o cluster_size=32k x.qcow2 64M"),
    CreateCase("-o cluster_size=65536 x.qcow2 1G"),
    CreateCase("-o cluster_size=128k x.qcow2 1T"),
    CreateCase("-o cluster_size=256k x.qcow2 1000"),
    CreateCase("-o cluster_size=512k x.qcow2 0"),
    CreateCase("-o cluster_size=1M x.qcow2 16M"),
    CreateCase("-o cluster_size=2M x.qcow2 1T"),
    CreateCase("-o cluster_size=2M x.qcow2 1000"),
    // Versions.
    CreateCase("-o compat=0.10 x.qcow2 64M"),
    CreateCase("-o compat=v2,cluster_size=512 x.qcow2 1G"),
    CreateCase("-o compat=v2,cluster_size=4k x.qcow2 0"),
    CreateCase("-o compat=1.1 x.qcow2 1T"),
    CreateCase("-o compat=v3,lazy_refcounts=on x.qcow2 16M"),
    // Features.
    CreateCase("-o lazy_refcounts=on,cluster_size=4k x.qcow2 1G"),
    CreateCase("-o extended_l2=on x.qcow2 1T"),
    CreateCase("-o extended_l2=on,cluster_size=16k x.qcow2 1G"),
    CreateCase("-o extended_l2=yes,cluster_size=2M x.qcow2 0"),
    CreateCase("-o compression_type=zstd x.qcow2 64M"),
    CreateCase("-o compression_type=zlib,cluster_size=1k x.qcow2 16M"),
    // Refcount widths.
    CreateCase("-o refcount_bits=1 x.qcow2 1G"),
    CreateCase("-o refcount_bits=2,cluster_size=512 x.qcow2 64M"),
    CreateCase("-o refcount_bits=4,cluster_size=1k x.qcow2 1G"),
    CreateCase("-o refcount_bits=8,cluster_size=4k x.qcow2 1T"),
    CreateCase("-o refcount_bits=32 x.qcow2 64M"),
    CreateCase("-o refcount_bits=64,cluster_size=512 x.qcow2 128M"),  // 64 entries a block
    CreateCase("-o refcount_bits=1,cluster_size=512 x.qcow2 1G"),
    CreateCase("-o refcount_bits=0x10,cluster_size=0x1000 x.qcow2 64M"),  // numbers as QEMU reads them
    // Backing files (the size, when omitted, is the backing image's).
    CreateCase("-b base.qcow2 -F qcow2 x.qcow2"),
    CreateCase("-b base.qcow2 -F qcow2 x.qcow2 1T"),
    CreateCase("-b base.raw -F raw x.qcow2"),
    CreateCase("-b base.qcow2 -F qcow2 -o cluster_size=512 x.qcow2"),
    CreateCase("-b base.qcow2 -F qcow2 -o compat=0.10 x.qcow2 16M"),
    CreateCase("-o backing_file=base.qcow2,backing_fmt=qcow2,cluster_size=4k x.qcow2 64M"),
    CreateCase("-b b,ase.qcow2 -F qcow2 x.qcow2 1M"),  // a comma: doubled in the Formatting line
    // External data files.
    CreateCase("-o data_file=x.raw x.qcow2 64M"),
    CreateCase("-o data_file=x.raw x.qcow2 1000"),
    CreateCase("-o data_file=x.raw,cluster_size=4k x.qcow2 0"),
    CreateCase("-o data_file=x,,y.raw x.qcow2 1M"),
    CreateCase("-o data_file=x.raw,data_file_raw=on x.qcow2 64M"),
    CreateCase("-o data_file=x.raw,data_file_raw=on x.qcow2 1000"),  // data file: one whole cluster
    CreateCase("-o data_file=x.raw,data_file_raw=on,extended_l2=on x.qcow2 1000"),  // whole subclusters
    CreateCase("-o data_file=x.raw,data_file_raw=on,cluster_size=512 x.qcow2 16M"),
    CreateCase("-o data_file=x.raw,data_file_raw=on,cluster_size=4k x.qcow2 256M"),
    CreateCase("-o data_file=x.raw,data_file_raw=on,cluster_size=2M x.qcow2 100000"),
    CreateCase("-o data_file=x.raw,data_file_raw=yes,lazy_refcounts=on,refcount_bits=8 x.qcow2 16M"),
    // Everything at once.
    CreateCase(
      "-b base.qcow2 -F qcow2 -o data_file=x.raw,lazy_refcounts=on,extended_l2=on,compression_type=zstd,"
        + "refcount_bits=8 x.qcow2"),
    CreateCase(
      "-o lazy_refcounts=on,extended_l2=on,compression_type=zstd,refcount_bits=64,cluster_size=2M x.qcow2 1T"),
  ]

  @Test("the matrix has at least 40 combinations")
  func matrixSize() {
    #expect(CreateTests.matrix.count >= 40)
  }

  @Test("qemu-img and qcow-batch write the same files and print the same line", arguments: matrix)
  func sameImage(_ testCase: CreateCase) throws {
    let (root, qemu, ours) = try CreateCase.workspace()
    defer { try? FileManager.default.removeItem(at: root) }
    let (theirs, mine) = try testCase.run(qemu: qemu, ours: ours)
    try #require(theirs.status == 0, "qemu-img: \(theirs.err)")
    #expect(mine.status == 0 && !mine.crashed, "qcow-batch: \(mine.err)")
    #expect(mine.err.isEmpty)
    #expect(mine.out == theirs.out, "the Formatting line")
    if testCase.arguments.contains("-q") {
      #expect(mine.out.isEmpty)
    } else {
      #expect(mine.out.hasPrefix("Formatting 'x.qcow2', fmt=qcow2 "))
    }
    try CreateCase.expectSameFiles(qemu: qemu, ours: ours, testCase.description)
    let check = try TestSupport.tool("qemu-img", ["check", "-f", "qcow2", CreateCase.image], directory: ours)
    #expect(check.status == 0, "qemu-img check: \(check.out)\(check.err)")
  }

  /// Sizes as qemu-img reads them, with the size the header must hold (rounded up to 512).
  static let sizes: [(text: String, size: UInt64)] = [
    ("0", 0), ("1000", 1024), ("512", 512), ("1048577", 1_049_088), ("2048b", 2048), ("1B", 512),
    ("1k", 1024), ("1K", 1024), ("64m", 64 << 20), ("64M", 64 << 20), ("2G", 2 << 30), ("1T", 1 << 40),
    ("1.5M", 1_572_864), ("0.5G", 512 << 20), ("1.3k", 1536), ("100.5k", 102_912), ("1.k", 1024),
    ("0x100000", 1 << 20), ("1P", 1 << 50), ("1E", 1 << 60),
  ]

  @Test(
    "sizes: suffixes, fractions and plain bytes, rounded up to 512 in the header",
    arguments: zip(sizes.map { CreateCase("-o cluster_size=2M x.qcow2 \($0.text)") }, sizes.map(\.size)))
  func sizeSyntax(_ testCase: CreateCase, size: UInt64) throws {
    try expectSameCreation(testCase, size: size)
  }

  @Test(
    "without SIZE, the size is the backing image's: a qcow2's header, a raw file's length rounded up",
    arguments: zip(
      [CreateCase("-b base.qcow2 -F qcow2 x.qcow2"), CreateCase("-b base.raw -F raw x.qcow2")],
      [UInt64(32 << 20), 1_000_448]))
  func sizeFromBacking(_ testCase: CreateCase, size: UInt64) throws {
    let output = try expectSameCreation(testCase, size: size)
    #expect(output.contains(" size=\(size) "))
  }

  /// Runs `testCase` with both tools and checks that both succeed with the same output and
  /// files, and that the header's size is `size`; returns our output.
  @discardableResult
  private func expectSameCreation(_ testCase: CreateCase, size: UInt64) throws -> String {
    let (root, qemu, ours) = try CreateCase.workspace()
    defer { try? FileManager.default.removeItem(at: root) }
    let (theirs, mine) = try testCase.run(qemu: qemu, ours: ours)
    try #require(theirs.status == 0, "qemu-img: \(theirs.err)")
    #expect(mine.status == 0, "qcow-batch: \(mine.err)")
    #expect(mine.out == theirs.out)
    try CreateCase.expectSameFiles(qemu: qemu, ours: ours, testCase.description)
    #expect(try CreateCase.headerSize(ours.appendingPathComponent(CreateCase.image)) == size)
    return mine.out
  }

  @Test("a 1 PiB image with 2 MiB clusters is created quickly")
  func onePebibyte() throws {
    let (root, qemu, ours) = try CreateCase.workspace()
    defer { try? FileManager.default.removeItem(at: root) }
    let testCase = CreateCase("-o cluster_size=2M x.qcow2 1P")
    let clock = ContinuousClock()
    let full = ["create", "-f", "qcow2"] + testCase.arguments
    var qemuResult: ProcessResult?
    var ourResult: ProcessResult?
    let qemuTime = try clock.measure { qemuResult = try TestSupport.tool("qemu-img", full, directory: qemu) }
    let oursTime = try clock.measure { ourResult = try TestSupport.qcowBatch(full, directory: ours) }
    let theirs = try #require(qemuResult)
    let mine = try #require(ourResult)
    print("create of a 1 PiB image with 2 MiB clusters: qcow-batch \(oursTime), qemu-img \(qemuTime)")
    try #require(theirs.status == 0, "qemu-img: \(theirs.err)")
    #expect(mine.status == 0, "qcow-batch: \(mine.err)")
    #expect(mine.out == theirs.out)
    try CreateCase.expectSameFiles(qemu: qemu, ours: ours, testCase.description)
    #expect(try CreateCase.headerSize(ours.appendingPathComponent(CreateCase.image)) == 1 << 50)
    let check = try TestSupport.tool("qemu-img", ["check", "-f", "qcow2", CreateCase.image], directory: ours)
    #expect(check.status == 0, "qemu-img check: \(check.out)\(check.err)")
  }

  /// Combinations qemu-img refuses; ours must refuse them with the same reason. Those with
  /// `oursOnly` qemu-img handles its own way (it encrypts, or preallocates): ours refuses them
  /// with a clear "not supported".
  static let refusals: [CreateCase] = [
    CreateCase("-b base.qcow2 x.qcow2 64M"),  // -b without -F
    CreateCase("-b base.qcow2 x.qcow2"),
    CreateCase("-b base.raw x.qcow2 1M"),
    CreateCase("-o compat=0.10,lazy_refcounts=on x.qcow2 64M"),
    CreateCase("-o compat=0.10,extended_l2=on x.qcow2 64M"),
    CreateCase("-o compat=0.10,compression_type=zstd x.qcow2 64M"),
    CreateCase("-o compat=0.10,data_file=x.raw x.qcow2 64M"),
    CreateCase("-o compat=v2,refcount_bits=8 x.qcow2 64M"),
    CreateCase("-o compat=0.10,refcount_bits=64 x.qcow2 64M"),
    CreateCase("-o cluster_size=1000 x.qcow2 64M"),
    CreateCase("-o cluster_size=256 x.qcow2 64M"),
    CreateCase("-o cluster_size=4M x.qcow2 64M"),
    CreateCase("-o refcount_bits=3 x.qcow2 64M"),
    CreateCase("-o refcount_bits=128 x.qcow2 64M"),
    CreateCase("-o refcount_bits=0 x.qcow2 64M"),
    CreateCase("-o extended_l2=on,cluster_size=8k x.qcow2 64M"),
    CreateCase("-o extended_l2=on,cluster_size=512 x.qcow2 64M"),
    CreateCase("-o data_file=x.raw,data_file_raw=on -b base.qcow2 -F qcow2 x.qcow2 64M"),
    CreateCase("-o data_file_raw=on x.qcow2 64M"),
    CreateCase("-o compat=1.2 x.qcow2 64M"),
    CreateCase("-o compression_type=lz4 x.qcow2 64M"),
    CreateCase("-o lazy_refcounts=maybe x.qcow2 64M"),
    CreateCase("-o cluster_size=512 x.qcow2 129G"),
    CreateCase("x.qcow2"),  // no size and no backing file
    CreateCase("-o cluster_size=1000 x.qcow2"),  // the missing size is found first
    // Checked in qemu-img's order.
    CreateCase("-o compat=0.10,extended_l2=on,lazy_refcounts=on x.qcow2 64M"),
    CreateCase("-o compat=1.2,cluster_size=1000 x.qcow2 64M"),
    CreateCase("-o refcount_bits=3,cluster_size=1000,compat=0.10 x.qcow2 64M"),
    // Backing files that cannot be used.
    CreateCase("-o backing_fmt=qcow2 x.qcow2 64M"),
    CreateCase("-b missing.qcow2 -F qcow2 x.qcow2 64M"),
    CreateCase("-b base.raw -F qcow2 x.qcow2 64M"),
    CreateCase("-b x.qcow2 -F qcow2 x.qcow2 64M"),
    CreateCase("-o backing_file=,backing_fmt=qcow2 x.qcow2 64M"),
    // Values that are not numbers or sizes, options that do not exist.
    CreateCase("-o cluster_size=abc x.qcow2 64M"),
    CreateCase("-o refcount_bits=abc x.qcow2 64M"),
    CreateCase("-o foo=bar x.qcow2 64M"),
    CreateCase("x.qcow2 abc"),
    CreateCase("x.qcow2 1.5"),
    CreateCase("x.qcow2 9E"),
    CreateCase("-o size=2M x.qcow2 1M"),
    // Not supported by qcow-batch.
    CreateCase("-o encryption=on x.qcow2 64M", oursOnly: "encryption is not supported"),
    CreateCase("-o encrypt.format=luks x.qcow2 64M", oursOnly: "encryption is not supported"),
    CreateCase("-o preallocation=metadata x.qcow2 64M", oursOnly: "preallocation is not supported"),
    CreateCase("-o preallocation=full x.qcow2 1M", oursOnly: "preallocation is not supported"),
  ]

  @Test("refused combinations give qemu-img's reason and leave no file behind", arguments: refusals)
  func refusal(_ testCase: CreateCase) throws {
    let (root, qemu, ours) = try CreateCase.workspace()
    defer { try? FileManager.default.removeItem(at: root) }
    let before = try CreateCase.files(ours)
    let (theirs, mine) = try testCase.run(qemu: qemu, ours: ours)
    #expect(mine.status != 0 && !mine.crashed, "qcow-batch exits non-zero")
    let ourLine = mine.err.split(separator: "\n").first.map(String.init) ?? ""
    if let expected = testCase.oursOnly {
      #expect(ourLine.contains(expected), "our error: \(mine.err)")
      #expect(try CreateCase.files(ours) == before, "no file left behind")
      return
    }
    #expect(theirs.status != 0, "qemu-img refuses it too")
    // qemu-img prints `qemu-img: [FILE: ]REASON`, then maybe hints; ours `Error: [FILE: ]REASON`.
    let theirLines = theirs.err.split(separator: "\n").map(String.init)
    let reason = try #require(theirLines.first.map { String($0.dropFirst("qemu-img: ".count)) })
    if theirLines.count == 1 {
      #expect(ourLine == "Error: " + reason, "qemu-img: \(theirs.err)")
    } else {
      #expect(ourLine.hasPrefix("Error: " + reason), "qemu-img: \(theirs.err)ours: \(mine.err)")
    }
    // The Formatting line, printed or not, as qemu-img does.
    #expect(mine.out == theirs.out)
    #expect(try CreateCase.files(qemu) == before, "qemu-img leaves no file")
    #expect(try CreateCase.files(ours) == before, "no file left behind")
  }
}

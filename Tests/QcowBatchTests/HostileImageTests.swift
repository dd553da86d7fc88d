import Foundation
import Testing

/// One change that turns a good fixture image into a broken one.
enum Mutation: Sendable, CustomStringConvertible {
  /// Overwrite `width` bytes at `offset` with `value`, big-endian.
  case poke(offset: Int, width: Int, value: UInt64)
  /// Cut the file to its first `length` bytes.
  case truncate(Int)

  var description: String {
    switch self {
    case .poke(let offset, let width, let value):
      return "poke \(width) bytes at \(offset) = 0x\(String(value, radix: 16))"
    case .truncate(let length): return "cut to \(length) bytes"
    }
  }

  /// Applies the change to `bytes`; fails when it does not fit the image.
  func apply(to bytes: inout [UInt8]) throws {
    switch self {
    case .poke(let offset, let width, let value):
      guard (1...8).contains(width), offset >= 0, offset + width <= bytes.count else {
        throw HostileCase.Problem(description: "\(self) lies outside the \(bytes.count)-byte image")
      }
      for index in 0..<width {
        bytes[offset + index] = UInt8(truncatingIfNeeded: value >> UInt64((width - 1 - index) * 8))
      }
    case .truncate(let length):
      guard (0...bytes.count).contains(length) else {
        throw HostileCase.Problem(description: "\(self) is not a cut of the \(bytes.count)-byte image")
      }
      bytes.removeSubrange(length...)
    }
  }
}

/// A broken image: a good fixture from Fixtures/qcow2py/images and the changes that break it.
struct HostileCase: Sendable, CustomStringConvertible {
  /// A case that cannot be built from its fixture.
  struct Problem: Error, CustomStringConvertible {
    let description: String
  }

  /// What the case breaks.
  let name: String
  /// The fixture image's name, without `.qcow2`.
  let base: String
  /// The changes, applied in order.
  let mutations: [Mutation]

  var description: String { "\(base): \(name)" }

  /// The bytes of the broken image.
  func bytes() throws -> [UInt8] {
    let url = TestSupport.fixtures.appendingPathComponent("qcow2py/images/\(base).qcow2")
    var bytes = [UInt8](try Data(contentsOf: url))
    for mutation in mutations {
      try mutation.apply(to: &bytes)
    }
    return bytes
  }

  /// A case that pokes one big-endian value.
  static func poke(_ base: String, _ name: String, at offset: Int, width: Int, _ value: UInt64) -> HostileCase {
    HostileCase(name: name, base: base, mutations: [.poke(offset: offset, width: width, value: value)])
  }

  /// One case for each length in `lengths`: `base` cut to that many bytes.
  static func cuts(_ base: String, _ what: String, _ lengths: [Int]) -> [HostileCase] {
    lengths.map { HostileCase(name: "cut to \($0) bytes (\(what))", base: base, mutations: [.truncate($0)]) }
  }

  // Fixture layouts (offsets in bytes):
  // - v3-64k: header 0..112, feature table extension 112..504 (length at 116), end marker 504..512.
  // - v3-4k: header 0..112, end marker 112..120; 4 KiB clusters, 16 KiB file.
  // - v2-64k: header 0..72, end marker 72..80.
  // - backing: header 0..112, backing format 112..128 (length at 116), feature table 128..520,
  //   end marker 520..528, name "base.qcow2" 528..538 (backing_file_offset at 8, size at 16).
  // - bitmaps-4k: header 0..112, Bitmaps extension 112..144 (nb_bitmaps at 120, directory size at
  //   128, directory offset at 136), end marker 144..152; bitmap table 0x4000..0x4008; directory
  //   0x5000..0x5020 = end of file (table offset at 0x5000, table size 0x5008, name size 0x5012,
  //   extra data size 0x5014, name "only" at 0x5018).

  /// Cuts inside everything a command has to read: the header area, and for bitmaps-4k the
  /// bitmap directory too. A file cut after these is still readable, so it is no hostile case.
  static let truncations: [HostileCase] =
    cuts(
      "v3-64k", "header area ends at 512",
      [
        2, 4, 5, 8, 12, 16, 20, 24, 32, 36, 40, 48, 56, 60, 64, 71, 72, 80, 88, 96, 99, 100, 103, 104, 105, 111,
        112, 115, 116, 119, 120, 160, 300, 400, 500, 503, 504, 507, 508, 511,
      ])
    + cuts("v3-4k", "header area ends at 120", [50, 100, 103, 104, 111, 112, 115, 116, 119])
    + cuts("v2-64k", "header area ends at 80", [3, 36, 70, 71, 72, 75, 76, 79])
    + cuts(
      "backing", "backing name ends at 538",
      [112, 116, 119, 120, 124, 127, 128, 136, 300, 519, 520, 524, 527, 528, 529, 533, 537])
    + cuts(
      "bitmaps-4k", "bitmap directory ends at 20512",
      [
        112, 116, 119, 120, 124, 128, 135, 136, 143, 144, 148, 151, 152, 4096, 0x4000, 0x4004, 0x4008, 0x5000,
        0x5008, 0x5017, 0x5018, 0x501b, 0x501c, 0x501f,
      ])

  /// Every hostile case.
  static let all: [HostileCase] =
    [
      HostileCase(name: "empty file", base: "v3-64k", mutations: [.truncate(0)]),
      HostileCase(name: "1-byte file", base: "v3-64k", mutations: [.truncate(1)]),
      poke("v3-64k", "wrong magic (last byte)", at: 0, width: 4, 0x5146_49fa),
      poke("v3-64k", "wrong magic (zero)", at: 0, width: 4, 0),
      poke("v2-64k", "wrong magic (QFI\\0)", at: 3, width: 1, 0),
    ]
    + [0, 8, 22, 63, 64, 255, 0xffff_ffff].map { poke("v3-64k", "cluster_bits \($0)", at: 20, width: 4, $0) }
    + [0, 8, 22, 64].map { poke("v2-64k", "cluster_bits \($0)", at: 20, width: 4, $0) }
    + [0, 71, 0x10008, 0xffff_ffff].map { poke("v3-64k", "header_length \($0)", at: 100, width: 4, $0) }
    + [0, 71, 0x1008].map { poke("v3-4k", "header_length \($0)", at: 100, width: 4, $0) }
    + [
      // Extension lengths.
      HostileCase(
        name: "feature table length 2000 runs past the end of a 1000-byte file", base: "v3-64k",
        mutations: [.truncate(1000), .poke(offset: 116, width: 4, value: 2000)]),
      HostileCase(
        name: "extension length 0xffff0000 runs past the end of the file", base: "v3-4k",
        mutations: [
          .poke(offset: 112, width: 4, value: 0x1234_5678), .poke(offset: 116, width: 4, value: 0xffff_0000),
        ]),
      HostileCase(
        name: "extension length 0x2000 runs past the 4 KiB cluster, inside the file", base: "v3-4k",
        mutations: [.poke(offset: 112, width: 4, value: 0x1234_5678), .poke(offset: 116, width: 4, value: 0x2000)]),
      HostileCase(
        name: "second extension runs past the 4 KiB cluster", base: "v3-4k",
        mutations: [
          .poke(offset: 112, width: 4, value: 0x1234_5678), .poke(offset: 116, width: 4, value: 0xf70),
          .poke(offset: 4072, width: 4, value: 0x8765_4321), .poke(offset: 4076, width: 4, value: 0x20),
        ]),
      poke("v3-64k", "feature table length 0x10000 runs past the cluster, inside the file", at: 116, width: 4, 0x10000),
      poke("v3-64k", "feature table length 0xffffffff", at: 116, width: 4, 0xffff_ffff),
      poke("bitmaps-4k", "Bitmaps extension length 0x1000 runs past the cluster", at: 116, width: 4, 0x1000),
      poke("backing", "backing format length 0x200 runs into the backing name", at: 116, width: 4, 0x200),
      poke("backing", "backing format length 0xffffffff", at: 116, width: 4, 0xffff_ffff),
      // Backing file name.
      poke("backing", "backing_file_offset 0x100000 past the end of the file", at: 8, width: 8, 0x10_0000),
      poke("backing", "backing_file_offset 2^64-1", at: 8, width: 8, .max),
      poke("backing", "backing_file_offset 2^63", at: 8, width: 8, 1 << 63),
      poke("backing", "backing name at 0xfffc runs past the first cluster", at: 8, width: 8, 0xfffc),
      poke("backing", "backing_file_size 0x10000 runs past the first cluster", at: 16, width: 4, 0x10000),
      poke("backing", "backing_file_size 0xffffffff", at: 16, width: 4, 0xffff_ffff),
      HostileCase(
        name: "backing_file_offset 0x400 in a 1000-byte file", base: "backing",
        mutations: [.truncate(1000), .poke(offset: 8, width: 8, value: 0x400)]),
      // Bitmaps extension and directory.
      poke("bitmaps-4k", "nb_bitmaps 0xffffffff", at: 120, width: 4, 0xffff_ffff),
      poke("bitmaps-4k", "nb_bitmaps 2 in a one-entry directory", at: 120, width: 4, 2),
      poke("bitmaps-4k", "bitmap directory size 2^64-1", at: 128, width: 8, .max),
      poke("bitmaps-4k", "bitmap directory size 0x1000 runs past the end of the file", at: 128, width: 8, 0x1000),
      poke("bitmaps-4k", "bitmap directory size 8, shorter than its entry", at: 128, width: 8, 8),
      poke("bitmaps-4k", "bitmap directory offset 0x100000 past the end of the file", at: 136, width: 8, 0x10_0000),
      poke("bitmaps-4k", "bitmap directory offset 2^64-8", at: 136, width: 8, 0xffff_ffff_ffff_fff8),
      poke("bitmaps-4k", "bitmap directory offset 0x5010 overlaps the end of the file", at: 136, width: 8, 0x5010),
      poke("bitmaps-4k", "bitmap table offset 0x100000 past the end of the file", at: 0x5000, width: 8, 0x10_0000),
      poke("bitmaps-4k", "bitmap table offset 2^64-512", at: 0x5000, width: 8, 0xffff_ffff_ffff_fe00),
      poke("bitmaps-4k", "bitmap table offset 0x501c straddles the end of the file", at: 0x5000, width: 8, 0x501c),
      poke("bitmaps-4k", "bitmap table size 0xffffffff", at: 0x5008, width: 4, 0xffff_ffff),
      poke("bitmaps-4k", "bitmap table size 0x1000 runs past the end of the file", at: 0x5008, width: 4, 0x1000),
      poke("bitmaps-4k", "bitmap name size 0xffff", at: 0x5012, width: 2, 0xffff),
      poke("bitmaps-4k", "bitmap extra data size 0xffffffff", at: 0x5014, width: 4, 0xffff_ffff),
      poke("bitmaps-4k", "non-ASCII bitmap name (0xff)", at: 0x5018, width: 1, 0xff),
      poke("bitmaps-4k", "non-ASCII bitmap name (UTF-8 e-acute)", at: 0x5018, width: 2, 0xc3a9),
    ]
    + truncations
}

/// One command line run on every hostile image; `image` marks where the image path goes.
struct HostileCommand: Sendable, CustomStringConvertible {
  /// The placeholder for the image path in `arguments`.
  static let image = "IMAGE"

  /// The arguments, with `image` where the path goes.
  let arguments: [String]
  /// Standard input for the command; nil (nothing written) for commands that do not read it, since
  /// writing to a child that exits first would kill the test process with SIGPIPE.
  let stdin: Data?

  var description: String { arguments.joined(separator: " ") }

  /// Whether the command only reads the image.
  var isReadOnly: Bool { arguments.contains { $0.hasPrefix("dump-header") } || isInfo }

  /// Whether the command is `info`.
  var isInfo: Bool { arguments.first == "info" }

  /// The bytes a header needs to be read at all: 72 for version 2, else qcow2.py's 104.
  static func headerBytes(of image: Data) -> Int {
    image.count >= 8 && image[4..<8].elementsEqual([0, 0, 0, 2]) ? 72 : 104
  }

  /// The arguments for the image at `url`.
  func arguments(for url: URL) -> [String] {
    arguments.map { $0 == HostileCommand.image ? url.path : $0 }
  }

  /// Every command: the seven of qcow2.py (both dumps with and without -j) and info.
  static let all: [HostileCommand] = [
    ["qcow2", image, "dump-header"],
    ["qcow2", image, "dump-header", "-j"],
    ["qcow2", image, "dump-header-exts"],
    ["qcow2", image, "dump-header-exts", "-j"],
    ["qcow2", image, "set-header", "l1_size", "4"],
    ["qcow2", image, "add-header-ext", "0x12345678", "hello"],
    ["qcow2", image, "add-header-ext-stdio", "0x12345678"],
    ["qcow2", image, "del-header-ext", "0x6803f857"],
    ["qcow2", image, "set-feature-bit", "incompatible", "1"],
    ["info", image],
    ["info", image, "--json"],
  ].map { HostileCommand(arguments: $0, stdin: $0.contains("add-header-ext-stdio") ? Data("hi".utf8) : nil) }
}

/// Runs `qcow-batch` under resource limits, so that an unbounded allocation or a runaway loop
/// ends the process instead of passing unnoticed.
enum BoundedRun {
  /// Address-space cap for one run. A normal run needs about 32 MiB of address space (the
  /// control test below checks every command passes under this cap); the largest buffer a valid
  /// run can need is standard input, or a part of the header area, a directory or table no
  /// larger than the file. Anything sized from an unchecked 32- or 64-bit field overshoots it.
  static let addressSpaceBytes = 256 << 20
  /// CPU-time cap in seconds (SIGXCPU after it, which counts as a crash).
  static let cpuSeconds = 20

  /// Runs the built `qcow-batch` with `arguments` through prlimit.
  static func qcowBatch(_ arguments: [String], stdin: Data?) throws -> ProcessResult {
    try TestSupport.run(
      URL(fileURLWithPath: "/usr/bin/env"),
      ["prlimit", "--as=\(addressSpaceBytes)", "--cpu=\(cpuSeconds)", "--", TestSupport.binary.path] + arguments,
      stdin: stdin)
  }
}

@Suite("hostile images")
struct HostileImageTests {
  /// The fixtures the hostile cases start from.
  static let bases = ["v3-64k", "v3-4k", "v2-64k", "backing", "bitmaps-4k"]

  @Test(
    "every command on a broken image succeeds, or fails with one line and leaves the file alone; it stays bounded",
    arguments: HostileCase.all, HostileCommand.all)
  func hostile(_ hostile: HostileCase, _ command: HostileCommand) throws {
    let directory = try TestSupport.makeTemporaryDirectory("qcow-batch-hostile")
    defer { try? FileManager.default.removeItem(at: directory) }
    let image = directory.appendingPathComponent("broken.qcow2")
    let before = Data(try hostile.bytes())
    try before.write(to: image)

    let result = try BoundedRun.qcowBatch(command.arguments(for: image), stdin: command.stdin)

    let output = result.out + result.err
    #expect(!result.crashed, "killed by a signal: \(output)")
    for marker in ["Fatal error", "Backtrace", "Stack dump", "Illegal instruction", "Segmentation fault"] {
      #expect(!output.contains(marker), "crash text in output: \(output)")
    }
    if command.isInfo && before.count >= HostileCommand.headerBytes(of: before) {
      #expect(result.status == 0, "info must show whatever header it can read: \(output)")
    }
    if result.status != 0 {
      let lines = output.split(separator: "\n", omittingEmptySubsequences: false)
      let message = lines.first.map(String.init) ?? ""
      #expect(
        lines.count == 2 && lines[1].isEmpty && !message.trimmingCharacters(in: .whitespaces).isEmpty,
        "expected exactly one non-empty line, got: \(output)")
      #expect(try Data(contentsOf: image) == before, "a failed command changed the file")
    } else if command.isReadOnly {
      #expect(try Data(contentsOf: image) == before, "a read-only command changed the file")
    } else {
      let dump = try BoundedRun.qcowBatch(["qcow2", image.path, "dump-header"], stdin: nil)
      #expect(dump.status == 0, "an edit left an image qcow2.py cannot read: \(dump.out + dump.err)")
    }
  }

  @Test("every command passes on the good fixtures under the same limits", arguments: bases, HostileCommand.all)
  func control(_ base: String, _ command: HostileCommand) throws {
    let directory = try TestSupport.makeTemporaryDirectory("qcow-batch-hostile")
    defer { try? FileManager.default.removeItem(at: directory) }
    let image = directory.appendingPathComponent("\(base).qcow2")
    try FileManager.default.copyItem(
      at: TestSupport.fixtures.appendingPathComponent("qcow2py/images/\(base).qcow2"), to: image)

    let result = try BoundedRun.qcowBatch(command.arguments(for: image), stdin: command.stdin)

    #expect(!result.crashed)
    #expect(result.status == 0, "exit status \(result.status): \(result.out + result.err)")
  }

  @Test("the address-space cap reaches the child process")
  func capIsApplied() throws {
    let result = try TestSupport.tool(
      "prlimit", ["--as=\(BoundedRun.addressSpaceBytes)", "--", "sh", "-c", "ulimit -v"])
    #expect(result.status == 0)
    let limit = result.out.trimmingCharacters(in: .whitespacesAndNewlines)
    #expect(limit == String(BoundedRun.addressSpaceBytes / 1024))
  }

  @Test("every hostile case builds from its fixture and changes it", arguments: HostileCase.all)
  func caseIsWellFormed(_ hostile: HostileCase) throws {
    let url = TestSupport.fixtures.appendingPathComponent("qcow2py/images/\(hostile.base).qcow2")
    let original = [UInt8](try Data(contentsOf: url))
    #expect(try hostile.bytes() != original)
  }
}

import Foundation
import QcowCore
import Testing

/// How writes combine: the runs of the extension area and of the header fields, or of a
/// draft's edits and setup steps, the later one over the earlier, as the writes land on disk.
@Suite("FileWrites")
struct FileWritesTests {
  /// Writes, in order, over a 16-byte file of 0xee bytes.
  struct Layering: Sendable, CustomTestStringConvertible {
    let name: String
    let writes: [FileWrites.Run]
    /// The runs expected, as (offset, byte count, whether it is a repeated byte).
    let runs: [(UInt64, UInt64, Bool)]
    /// The whole file afterwards.
    let file: [UInt8]

    var testDescription: String { name }
  }

  static func bytes(_ offset: UInt64, _ bytes: [UInt8]) -> FileWrites.Run {
    FileWrites.Run(offset: offset, content: .bytes(bytes))
  }

  static func fill(_ offset: UInt64, _ byte: UInt8, _ count: UInt64) -> FileWrites.Run {
    FileWrites.Run(offset: offset, content: .repeated(byte, count: count))
  }

  static let limit = UInt64(64 << 10)

  static let layerings: [Layering] = [
    Layering(
      name: "disjoint", writes: [bytes(8, [1, 2]), bytes(0, [3])], runs: [(0, 1, false), (8, 2, false)],
      file: file([0: 3, 8: 1, 9: 2])),
    Layering(
      name: "touching runs merge", writes: [bytes(4, [1, 2]), bytes(2, [3, 4])], runs: [(2, 4, false)],
      file: file([2: 3, 3: 4, 4: 1, 5: 2])),
    Layering(
      name: "the later write wins where they overlap", writes: [bytes(2, [1, 1, 1, 1]), bytes(0, [2, 2, 2, 2])],
      runs: [(0, 6, false)], file: file([0: 2, 1: 2, 2: 2, 3: 2, 4: 1, 5: 1])),
    Layering(
      name: "a write inside an earlier one splits it", writes: [bytes(0, [1, 1, 1, 1, 1]), bytes(2, [9])],
      runs: [(0, 5, false)], file: file([0: 1, 1: 1, 2: 9, 3: 1, 4: 1])),
    Layering(
      name: "a write across several runs replaces their middle and merges with what is left",
      writes: [bytes(0, [1, 1]), bytes(4, [2, 2]), bytes(1, [9, 9, 9, 9])], runs: [(0, 6, false)],
      file: file([0: 1, 1: 9, 2: 9, 3: 9, 4: 9, 5: 2])),
    Layering(name: "an empty write adds nothing", writes: [bytes(3, []), fill(3, 1, 0)], runs: [], file: file([:])),
    Layering(
      name: "a write past the end grows the file", writes: [bytes(18, [7])], runs: [(18, 1, false)],
      file: file([:]) + [0, 0, 7]),
    Layering(
      name: "a repeated byte stays one run", writes: [fill(2, 5, 3)], runs: [(2, 3, true)],
      file: file([2: 5, 3: 5, 4: 5])),
    Layering(
      name: "repeats of one byte join past the merge limit", writes: [fill(0, 5, limit), fill(limit, 5, limit)],
      runs: [(0, 2 * limit, true)], file: [UInt8](repeating: 5, count: Int(2 * limit))),
    Layering(
      name: "repeats of two bytes join as bytes while small", writes: [fill(0, 5, 2), fill(2, 6, 2)],
      runs: [(0, 4, false)], file: file([0: 5, 1: 5, 2: 6, 3: 6])),
    Layering(
      name: "a write inside a long repeat splits it into two repeats",
      writes: [fill(0, 5, 4 * limit), bytes(2 * limit, [1])],
      runs: [(0, 2 * limit, true), (2 * limit, 1, false), (2 * limit + 1, 2 * limit - 1, true)],
      file: [UInt8](repeating: 5, count: Int(2 * limit)) + [1] + [UInt8](repeating: 5, count: Int(2 * limit - 1))),
    Layering(
      name: "the same byte written over the split joins the repeat again",
      writes: [fill(0, 5, 4 * limit), bytes(2 * limit, [1]), fill(2 * limit, 5, 1)], runs: [(0, 4 * limit, true)],
      file: [UInt8](repeating: 5, count: Int(4 * limit))),
    Layering(
      name: "bytes beside a short repeat join as bytes up to the merge limit",
      writes: [fill(0, 5, limit - 1), bytes(limit - 1, [1])], runs: [(0, limit, false)],
      file: [UInt8](repeating: 5, count: Int(limit - 1)) + [1]),
  ]

  /// The 16-byte 0xee file with `bytes` changed.
  static func file(_ bytes: [Int: UInt8]) -> [UInt8] {
    (0..<16).map { bytes[$0] ?? 0xee }
  }

  @Test("runs stay disjoint and ascending, and the file reads as the writes in order", arguments: layerings)
  func layering(_ layering: Layering) {
    var write = FileWrites()
    for run in layering.writes {
      write.layer(run)
    }
    #expect(write.runs.map(\.offset) == layering.runs.map(\.0))
    #expect(write.runs.map(\.count) == layering.runs.map(\.1))
    #expect(write.runs.map(\.isRepeated) == layering.runs.map(\.2))
    #expect(write.applied(to: Array(repeating: 0xee, count: 16)) == layering.file)
  }

  @Test("a repeat of gigabytes costs no memory, and a cut keeps it a repeat")
  func longRepeat() {
    var write = FileWrites()
    write.layer(FileWritesTests.fill(0, 0x2a, 4 << 30))
    write.layer(FileWritesTests.bytes(1 << 30, [1, 2, 3]))
    #expect(write.runs.map(\.isRepeated) == [true, false, true])
    #expect(write.end == 4 << 30)
    let cut = write.truncated(to: 2 << 30)
    #expect(cut.runs.map(\.count) == [1 << 30, 3, (1 << 30) - 3])
    #expect(cut.runs.last?.content == .repeated(0x2a, count: (1 << 30) - 3))
  }

  @Test("written to a file, repeats go out in chunks and read back as the runs over the file")
  func writtenToFile() throws {
    let path = FileManager.default.temporaryDirectory.appendingPathComponent("file-writes-\(UUID().uuidString)").path
    defer { try? FileManager.default.removeItem(atPath: path) }
    let original = [UInt8](repeating: 0xee, count: 100)
    #expect(FileManager.default.createFile(atPath: path, contents: Data(original)))
    var write = FileWrites()
    // Longer than one chunk and not a multiple of it, with bytes inside and after.
    write.layer(FileWritesTests.fill(10, 0x61, 3 << 20 | 5))
    write.layer(FileWritesTests.bytes(20, [1, 2, 3]))
    write.layer(FileWritesTests.bytes((3 << 20) + 40, [9]))
    let descriptor = try FileDescriptor.open(path, O_RDWR)
    defer { descriptor.close() }
    try write.write(to: descriptor)
    let written = try [UInt8](Data(contentsOf: URL(fileURLWithPath: path)))
    #expect(written == write.applied(to: original))
  }
}

import QcowCore
import Testing

/// How header writes combine: the runs of the extension area and of the header fields, the
/// later one over the earlier, as the writes land on disk.
@Suite("HeaderWrite")
struct HeaderWriteTests {
  /// Writes, in order, of `bytes` at an offset, over a 16-byte file of 0xee bytes.
  struct Layering: Sendable, CustomTestStringConvertible {
    let name: String
    let writes: [(offset: UInt64, bytes: [UInt8])]
    /// The runs expected, as (offset, byte count).
    let runs: [(UInt64, Int)]
    /// The whole file afterwards.
    let file: [UInt8]

    var testDescription: String { name }
  }

  static let layerings: [Layering] = [
    Layering(
      name: "disjoint", writes: [(8, [1, 2]), (0, [3])], runs: [(0, 1), (8, 2)], file: file([0: 3, 8: 1, 9: 2])),
    Layering(
      name: "touching runs merge", writes: [(4, [1, 2]), (2, [3, 4])], runs: [(2, 4)],
      file: file([2: 3, 3: 4, 4: 1, 5: 2])),
    Layering(
      name: "the later write wins where they overlap", writes: [(2, [1, 1, 1, 1]), (0, [2, 2, 2, 2])], runs: [(0, 6)],
      file: file([0: 2, 1: 2, 2: 2, 3: 2, 4: 1, 5: 1])),
    Layering(
      name: "a write inside an earlier one splits it", writes: [(0, [1, 1, 1, 1, 1]), (2, [9])], runs: [(0, 5)],
      file: file([0: 1, 1: 1, 2: 9, 3: 1, 4: 1])),
    Layering(
      name: "a write across several runs replaces their middle and merges with what is left",
      writes: [(0, [1, 1]), (4, [2, 2]), (1, [9, 9, 9, 9])], runs: [(0, 6)],
      file: file([0: 1, 1: 9, 2: 9, 3: 9, 4: 9, 5: 2])),
    Layering(name: "an empty write adds nothing", writes: [(3, [])], runs: [], file: file([:])),
    Layering(
      name: "a write past the end grows the file", writes: [(18, [7])], runs: [(18, 1)], file: file([:]) + [0, 0, 7]),
  ]

  /// The 16-byte 0xee file with `bytes` changed.
  static func file(_ bytes: [Int: UInt8]) -> [UInt8] {
    (0..<16).map { bytes[$0] ?? 0xee }
  }

  @Test("runs stay disjoint and ascending, and the file reads as the writes in order", arguments: layerings)
  func layering(_ layering: Layering) {
    var write = HeaderWrite()
    for (offset, bytes) in layering.writes {
      write.layer(bytes, at: offset)
    }
    #expect(write.runs.map(\.offset) == layering.runs.map(\.0))
    #expect(write.runs.map(\.bytes.count) == layering.runs.map(\.1))
    #expect(write.applied(to: Array(repeating: 0xee, count: 16)) == layering.file)
  }
}

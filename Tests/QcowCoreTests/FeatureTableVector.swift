import Testing

@testable import QcowCore

/// Feature table extension data with the entries it decodes to.
struct FeatureTableVector: Sendable, CustomTestStringConvertible {
  /// What the vector exercises.
  let name: String
  /// The extension data.
  let data: [UInt8]
  /// The decoded entries.
  let expected: [FeatureTableEntry]

  var testDescription: String { name }

  /// One 48-byte entry: type, bit, then `name` NUL-padded (or cut) to 46 bytes.
  static func entry(_ type: UInt8, _ bit: UInt8, _ name: [UInt8]) -> [UInt8] {
    [type, bit] + name.prefix(46) + Array(repeating: 0, count: max(0, 46 - name.count))
  }

  /// A name of exactly 46 bytes, which has no NUL terminator on disk.
  static let longName = String(repeating: "n", count: 40) + "-46byt"

  /// Whole entries decode; a partial trailing entry is ignored; names stop at the first NUL.
  static let all: [FeatureTableVector] = [
    FeatureTableVector(name: "empty", data: [], expected: []),
    FeatureTableVector(
      name: "shorter than one entry", data: Array(entry(0, 0, Array("x".utf8)).prefix(47)), expected: []),
    FeatureTableVector(
      name: "one entry", data: entry(0, 0, Array("dirty bit".utf8)),
      expected: [FeatureTableEntry(type: 0, bit: 0, name: "dirty bit")]),
    FeatureTableVector(
      name: "two entries and a partial one",
      data: entry(1, 0, Array("lazy refcounts".utf8)) + entry(2, 63, Array("high".utf8)) + [2, 1, 0x61],
      expected: [
        FeatureTableEntry(type: 1, bit: 0, name: "lazy refcounts"), FeatureTableEntry(type: 2, bit: 63, name: "high"),
      ]),
    FeatureTableVector(
      name: "46-byte name without NUL", data: entry(0, 4, Array(longName.utf8)),
      expected: [FeatureTableEntry(type: 0, bit: 4, name: longName)]),
    FeatureTableVector(
      name: "bytes after the first NUL are dropped", data: entry(0, 1, Array("ab\0cd".utf8)),
      expected: [FeatureTableEntry(type: 0, bit: 1, name: "ab")]),
    FeatureTableVector(
      name: "empty name, unknown type", data: entry(7, 200, []),
      expected: [FeatureTableEntry(type: 7, bit: 200, name: "")]),
  ]
}

import QcowCore
import Testing

/// A value with the text qcow2.py prints for it in one display format.
struct RenderVector: Sendable, CustomTestStringConvertible {
  /// The display format.
  let format: FieldFormat
  /// The value.
  let value: UInt64
  /// qcow2.py's text.
  let expected: String

  var testDescription: String { "\(format) \(value)" }

  /// Hex without leading zeros, decimal, and set-bit lists in Python form.
  static let all: [RenderVector] = [
    RenderVector(format: .hex, value: 0, expected: "0x0"),
    RenderVector(format: .hex, value: 0xf, expected: "0xf"),
    RenderVector(format: .hex, value: 0x1_0000, expected: "0x10000"),
    RenderVector(format: .hex, value: 0x5146_49fb, expected: "0x514649fb"),
    RenderVector(format: .hex, value: 0x0537_be77, expected: "0x537be77"),
    RenderVector(format: .hex, value: 0xABCD_EF00, expected: "0xabcdef00"),
    RenderVector(format: .hex, value: .max, expected: "0xffffffffffffffff"),
    RenderVector(format: .decimal, value: 0, expected: "0"),
    RenderVector(format: .decimal, value: 104, expected: "104"),
    RenderVector(format: .decimal, value: 67_108_864, expected: "67108864"),
    RenderVector(format: .decimal, value: .max, expected: "18446744073709551615"),
    RenderVector(format: .flags, value: 0, expected: "[]"),
    RenderVector(format: .flags, value: 1, expected: "[0]"),
    RenderVector(format: .flags, value: 0x1c, expected: "[2, 3, 4]"),
    RenderVector(format: .flags, value: 0x8000_0000_0000_0009, expected: "[0, 3, 63]"),
    RenderVector(format: .flags, value: 1 << 32, expected: "[32]"),
    RenderVector(
      format: .flags, value: .max,
      expected: "[0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, "
        + "26, 27, 28, 29, 30, 31, 32, 33, 34, 35, 36, 37, 38, 39, 40, 41, 42, 43, 44, 45, 46, 47, 48, 49, 50, "
        + "51, 52, 53, 54, 55, 56, 57, 58, 59, 60, 61, 62, 63]"),
  ]
}

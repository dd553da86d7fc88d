import Testing

/// One input of Python's `int(text, 0)` with the result CPython 3.11 gave for it.
///
/// The table was produced once by running `int(text, 0)` in python3 and pasting the results;
/// the tests do not need Python.
struct IntegerVector: Sendable, CustomTestStringConvertible {
  /// What `int(text, 0)` returned.
  struct Result: Sendable, Equatable {
    /// Whether the value is below zero.
    let isNegative: Bool
    /// The absolute value in decimal.
    let decimalMagnitude: String
    /// The value when it is in 0..<2^64.
    let value: UInt64?
  }

  /// The text given to `int()`.
  let text: String
  /// The result, nil when Python raised ValueError.
  let expected: Result?

  var testDescription: String { String(reflecting: text) }

  /// A text Python accepts.
  static func valid(_ text: String, negative: Bool = false, magnitude: String, value: UInt64?) -> IntegerVector {
    IntegerVector(text: text, expected: Result(isNegative: negative, decimalMagnitude: magnitude, value: value))
  }

  /// A text Python rejects with ValueError.
  static func invalid(_ text: String) -> IntegerVector {
    IntegerVector(text: text, expected: nil)
  }

  /// Every vector: base prefixes, underscores, leading zeros, signs, whitespace, the 64-bit
  /// boundary, bad digits, and the non-ASCII digits and spaces CPython maps to ASCII.
  static let all: [IntegerVector] = [
    .valid("0x1f", magnitude: "31", value: 31),
    .valid("0X1F", magnitude: "31", value: 31),
    .valid("0o17", magnitude: "15", value: 15),
    .valid("0O17", magnitude: "15", value: 15),
    .valid("0b101", magnitude: "5", value: 5),
    .valid("0B101", magnitude: "5", value: 5),
    .valid("1_000", magnitude: "1000", value: 1000),
    .valid("0x_1f", magnitude: "31", value: 31),
    .valid("0o_17", magnitude: "15", value: 15),
    .valid("0b_1", magnitude: "1", value: 1),
    .invalid("_1"),
    .invalid("1_"),
    .invalid("1__0"),
    .invalid("0x__1f"),
    .invalid("0x1f_"),
    .invalid("0_x1f"),
    .invalid("012"),
    .valid("00", magnitude: "0", value: 0),
    .valid("0_0", magnitude: "0", value: 0),
    .valid("00_0", magnitude: "0", value: 0),
    .invalid("0_1"),
    .valid("0", magnitude: "0", value: 0),
    .valid("-0", magnitude: "0", value: 0),
    .valid("+0", magnitude: "0", value: 0),
    .valid("-00", magnitude: "0", value: 0),
    .valid("+5", magnitude: "5", value: 5),
    .valid("-5", negative: true, magnitude: "5", value: nil),
    .valid(" 7 ", magnitude: "7", value: 7),
    .valid("\t8\n", magnitude: "8", value: 8),
    .valid("\u{B}9\u{C}", magnitude: "9", value: 9),
    .valid("\r\n10\r\n", magnitude: "10", value: 10),
    .invalid("- 1"),
    .invalid("+-1"),
    .invalid("--1"),
    .invalid("0x"),
    .invalid("0o"),
    .invalid("0b"),
    .invalid("0x_"),
    .invalid(""),
    .invalid("   "),
    .invalid("-"),
    .invalid("+"),
    .valid("0x10000000000000000", magnitude: "18446744073709551616", value: nil),
    .valid("0xffffffffffffffff", magnitude: "18446744073709551615", value: 18_446_744_073_709_551_615),
    .valid("0xFFFF_FFFF_FFFF_FFFF", magnitude: "18446744073709551615", value: 18_446_744_073_709_551_615),
    .valid("18446744073709551615", magnitude: "18446744073709551615", value: 18_446_744_073_709_551_615),
    .valid("18446744073709551616", magnitude: "18446744073709551616", value: nil),
    .valid("-18446744073709551616", negative: true, magnitude: "18446744073709551616", value: nil),
    .valid("-1", negative: true, magnitude: "1", value: nil),
    .valid("-0x8000000000000000", negative: true, magnitude: "9223372036854775808", value: nil),
    .valid("99999999999999999999999999", magnitude: "99999999999999999999999999", value: nil),
    .invalid("0b2"),
    .invalid("0o8"),
    .invalid("0xg"),
    .invalid("1e3"),
    .invalid("0x1g"),
    .invalid("1.0"),
    .invalid("1 000"),
    .valid("0xABCDEF", magnitude: "11259375", value: 11_259_375),
    .valid("0xabcdef", magnitude: "11259375", value: 11_259_375),
    .invalid("1f"),
    .invalid("x1f"),
    .invalid("0x-1"),
    .invalid("0x+1"),
    .invalid("7\0"),
    .invalid("\u{1C}5"),
    .invalid("\u{7F}5"),
    .valid("\u{A0}7\u{A0}", magnitude: "7", value: 7),
    .valid("\u{2003}7\u{3000}", magnitude: "7", value: 7),
    .valid("\u{85}9", magnitude: "9", value: 9),
    .invalid("1\u{A0}2"),
    .invalid("0x1f\u{200B}"),
    .valid("\u{661}\u{662}", magnitude: "12", value: 12),
    .valid("\u{FF11}\u{FF12}", magnitude: "12", value: 12),
    .invalid("0x\u{FF21}"),
    .valid("0x\u{FF11}", magnitude: "1", value: 1),
    .valid("\u{660}x1f", magnitude: "31", value: 31),
    .valid("\u{660}\u{660}", magnitude: "0", value: 0),
    .invalid("\u{660}1"),
    .valid("\u{967}\u{966}", magnitude: "10", value: 10),
    .invalid("\u{FF0B}5"),
    .invalid("\u{2212}5"),
    .invalid("1\u{301}"),
    .invalid("\u{B2}"),
    .valid("\u{1D7CF}\u{1D7CE}", magnitude: "10", value: 10),
    .valid("\u{E51}", magnitude: "1", value: 1),
    .invalid("\u{216B}"),
    .valid("\u{1680}5", magnitude: "5", value: 5),
    .invalid("\u{180E}5"),
    .invalid("\u{FEFF}1"),
    .valid("-\u{661}", negative: true, magnitude: "1", value: nil),
    .valid("0b\u{661}\u{660}", magnitude: "2", value: 2),
    .valid("0x\u{661}f", magnitude: "31", value: 31),
  ]
}

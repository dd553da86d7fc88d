import QcowCore
import Testing

/// A JSON value with the text Python's `json.dumps(value, indent=4)` printed for it.
///
/// The expected texts were produced once with python3 (CPython 3.11) from the equivalent
/// Python values and pasted here; the tests do not need Python.
struct JSONVector: Sendable, CustomTestStringConvertible {
  /// What the vector exercises.
  let name: String
  /// The value to render.
  let value: JSONValue
  /// Python's output.
  let expected: String

  var testDescription: String { name }

  /// Every vector: scalars, empty containers, string escapes and nesting.
  static let all: [JSONVector] = [
    JSONVector(name: "zero", value: .number(0), expected: "0"),
    JSONVector(name: "largest number", value: .number(.max), expected: "18446744073709551615"),
    JSONVector(name: "true", value: .bool(true), expected: "true"),
    JSONVector(name: "false", value: .bool(false), expected: "false"),
    JSONVector(name: "null", value: .null, expected: "null"),
    JSONVector(name: "empty array", value: .array([]), expected: "[]"),
    JSONVector(name: "empty object", value: .object([]), expected: "{}"),
    JSONVector(name: "empty string", value: .string(""), expected: "\"\""),
    JSONVector(
      name: "printable ASCII", value: .string("Hello, World! ~ {}[]/'`"),
      expected: #""Hello, World! ~ {}[]/'`""#),
    JSONVector(
      name: "quote and backslash", value: .string("say \"hi\" \\ C:\\dir\\"),
      expected: #""say \"hi\" \\ C:\\dir\\""#),
    JSONVector(name: "short escapes", value: .string("\n\r\t\u{8}\u{C}"), expected: #""\n\r\t\b\f""#),
    JSONVector(
      name: "other control characters and DEL", value: .string("\0\u{1}\u{B}\u{E}\u{1B}\u{1F}\u{7F} end"),
      expected: #""\u0000\u0001\u000b\u000e\u001b\u001f\u007f end""#),
    JSONVector(
      name: "non-ASCII below U+10000",
      value: .string("caf\u{E9} \u{FC}\u{DF} \u{20AC} \u{4E2D} \u{2028} \u{FEFF} \u{FFFF}"),
      expected: #""caf\u00e9 \u00fc\u00df \u20ac \u4e2d \u2028 \ufeff \uffff""#),
    JSONVector(
      name: "emoji needing surrogate pairs", value: .string("\u{1F600} and \u{1D11E}"),
      expected: #""\ud83d\ude00 and \ud834\udd1e""#),
    JSONVector(name: "combining mark and CRLF", value: .string("e\u{301}\r\n"), expected: #""e\u0301\r\n""#),
    JSONVector(
      name: "flat array", value: .array([.number(1), .string("a"), .null, .bool(true)]),
      expected: #"""
        [
            1,
            "a",
            null,
            true
        ]
        """#),
    JSONVector(
      name: "nested empties", value: .array([.array([]), .array([.array([])]), .array([.object([])]), .object([])]),
      expected: #"""
        [
            [],
            [
                []
            ],
            [
                {}
            ],
            {}
        ]
        """#),
    JSONVector(
      name: "escaped keys", value: .object([("k\"ey\n", .number(1)), ("\u{E9}", .string("\u{1F600}")), ("", .null)]),
      expected: #"""
        {
            "k\"ey\n": 1,
            "\u00e9": "\ud83d\ude00",
            "": null
        }
        """#),
    JSONVector(
      name: "nested object",
      value: .object([
        ("name", .string("Feature table")), ("magic", .number(1_745_090_647)), ("length", .number(384)),
        (
          "data",
          .object([
            ("nb_bitmaps", .number(1)),
            (
              "bitmap_directory",
              .array([
                .object([
                  ("name", .string("bitmap0")),
                  (
                    "bitmap_table",
                    .array([
                      .object([("type", .string("all-zeroes")), ("offset", .number(0)), ("reserved", .number(0))]),
                      .object([
                        ("type", .string("serialized")), ("offset", .number(1_638_400)),
                        ("reserved", .number(18_374_686_479_671_623_680)),
                      ]),
                    ])
                  ),
                ])
              ])
            ),
          ])
        ),
        ("empty", .array([])), ("none", .object([])),
      ]),
      expected: #"""
        {
            "name": "Feature table",
            "magic": 1745090647,
            "length": 384,
            "data": {
                "nb_bitmaps": 1,
                "bitmap_directory": [
                    {
                        "name": "bitmap0",
                        "bitmap_table": [
                            {
                                "type": "all-zeroes",
                                "offset": 0,
                                "reserved": 0
                            },
                            {
                                "type": "serialized",
                                "offset": 1638400,
                                "reserved": 18374686479671623680
                            }
                        ]
                    }
                ]
            },
            "empty": [],
            "none": {}
        }
        """#),
  ]
}

import QcowCore
import Testing

/// Extension data with the `data` text qcow2.py prints for it.
struct DisplayVector: Sendable, CustomTestStringConvertible {
  /// What the vector exercises.
  let name: String
  /// The extension data.
  let data: [UInt8]
  /// qcow2.py's text.
  let expected: String

  var testDescription: String { name }

  /// Python's `string.printable`, as python3 printed it.
  static let pythonPrintable =
    "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~ \t\n\r\u{B}\u{C}"

  /// Quoted raw text when every byte is in `string.printable`, else `<binary>`.
  static let all: [DisplayVector] = [
    DisplayVector(name: "no data", data: [], expected: "''"),
    DisplayVector(name: "backing format", data: Array("qcow2".utf8), expected: "'qcow2'"),
    DisplayVector(name: "path", data: Array("/abs/dir/data.raw".utf8), expected: "'/abs/dir/data.raw'"),
    DisplayVector(
      name: "whitespace printed raw", data: Array("a\nb\tc\r\u{B}\u{C} d".utf8), expected: "'a\nb\tc\r\u{B}\u{C} d'"),
    DisplayVector(name: "quote not escaped", data: Array("it's".utf8), expected: "'it's'"),
    DisplayVector(name: "all printable", data: Array(pythonPrintable.utf8), expected: "'" + pythonPrintable + "'"),
    DisplayVector(name: "trailing NUL", data: [0x71, 0x00], expected: "<binary>"),
    DisplayVector(name: "NUL only", data: [0x00], expected: "<binary>"),
    DisplayVector(name: "escape character", data: [0x61, 0x1b], expected: "<binary>"),
    DisplayVector(name: "DEL", data: [0x7f], expected: "<binary>"),
    DisplayVector(name: "UTF-8 text", data: Array("caf\u{E9}".utf8), expected: "<binary>"),
    DisplayVector(name: "high byte", data: [0x41, 0xff], expected: "<binary>"),
    DisplayVector(name: "file separator", data: [0x1c], expected: "<binary>"),
  ]
}

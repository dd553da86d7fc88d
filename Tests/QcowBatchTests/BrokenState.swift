import Foundation

/// A broken header state of Fixtures/qcow2py/states.tsv: a reference image with bytes poked
/// (or cut short where the bytes are "-"), and the warning `info` must give for it.
struct BrokenState: CustomStringConvertible, Sendable {
  /// The state's name, the KIND of its cases in state-cases.tsv.
  let name: String
  /// The reference image it starts from (Fixtures/qcow2py/images/BASE.qcow2).
  let base: String
  /// Where the poked bytes go, or the length the file is cut to.
  let offset: Int
  /// The poked bytes; nil for a cut.
  let bytes: [UInt8]?
  /// Text `info` must show among its warnings.
  let warning: String

  var description: String { name }

  /// Every state of the table.
  static let all: [BrokenState] = {
    let url = TestSupport.fixtures.appendingPathComponent("qcow2py/states.tsv")
    guard let table = try? String(contentsOf: url, encoding: .utf8) else { return [] }
    return table.split(separator: "\n").compactMap { line in
      let columns = line.split(separator: "\t", omittingEmptySubsequences: false).map(String.init)
      guard columns.count == 5, let offset = Int(columns[2]) else { return nil }
      let hex = Array(columns[3].utf8)
      let bytes =
        columns[3] == "-"
        ? nil
        : stride(from: 0, to: hex.count - 1, by: 2).compactMap {
          UInt8(String(decoding: hex[$0...$0 + 1], as: UTF8.self), radix: 16)
        }
      return BrokenState(name: columns[0], base: columns[1], offset: offset, bytes: bytes, warning: columns[4])
    }
  }()

  /// Whether the state is a file cut short.
  var isCut: Bool { bytes == nil }

  /// The state with `name`, if the table has one.
  static func named(_ name: String) -> BrokenState? {
    all.first { $0.name == name }
  }

  /// Writes the state's image to `url`.
  func make(at url: URL) throws {
    let source = TestSupport.fixtures.appendingPathComponent("qcow2py/images/\(base).qcow2")
    var data = try Data(contentsOf: source)
    if let bytes {
      data.replaceSubrange(offset..<offset + bytes.count, with: bytes)
    } else {
      data.removeSubrange(offset...)
    }
    try data.write(to: url)
  }
}

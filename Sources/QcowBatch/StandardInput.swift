import QcowCore

/// Reading all of standard input, with a bound.
enum StandardInput {
  /// All bytes of standard input; fails when there are more than `limit`.
  static func readAll(limit: Int) throws -> [UInt8] {
    let bytes: [UInt8]?
    do {
      bytes = try FileDescriptor.standardInput.readAll(limit: limit)
    } catch {
      throw QcowError("cannot read standard input: \(error)")
    }
    guard let bytes else {
      throw QcowError("standard input holds more than \(limit) bytes, more than a header extension can hold")
    }
    return bytes
  }
}

import QcowCore
import SystemPackage

/// Reading all of standard input, with a bound.
enum StandardInput {
  /// All bytes of standard input; fails when there are more than `limit`.
  static func readAll(limit: Int) throws -> [UInt8] {
    var bytes: [UInt8] = []
    var chunk = [UInt8](repeating: 0, count: 65536)
    while true {
      let count: Int
      do {
        count = try chunk.withUnsafeMutableBytes {
          try FileDescriptor.standardInput.read(into: $0, retryOnInterrupt: true)
        }
      } catch let errno as Errno {
        throw QcowError("cannot read standard input: \(errno)")
      }
      if count == 0 { return bytes }
      bytes.append(contentsOf: chunk[0..<count])
      guard bytes.count <= limit else {
        throw QcowError("standard input holds more than \(limit) bytes, more than any header area can take")
      }
    }
  }
}

import Glibc

/// A thin typed wrapper over a file descriptor: positioned reads and writes that loop on
/// short transfers and retry on EINTR.
public struct FileDescriptor: Sendable, Equatable {
  /// The raw descriptor.
  public let rawValue: Int32

  /// Wraps `rawValue`.
  public init(rawValue: Int32) {
    self.rawValue = rawValue
  }

  /// Standard input.
  public static let standardInput = FileDescriptor(rawValue: 0)
  /// Standard error.
  public static let standardError = FileDescriptor(rawValue: 2)

  /// Opens `path` with `flags` (close-on-exec is always added) and `mode` for new files.
  public static func open(_ path: String, _ flags: Int32, mode: mode_t = 0o666) throws(Errno) -> FileDescriptor {
    FileDescriptor(rawValue: try Errno.retrying { Glibc.open(path, flags | O_CLOEXEC, mode) })
  }

  /// Closes the descriptor.
  public func close() {
    _ = Glibc.close(rawValue)
  }

  /// Runs `body`, then closes the descriptor whatever happens.
  public func closeAfter<R>(_ body: () throws -> R) rethrows -> R {
    defer { close() }
    return try body()
  }

  /// The file's status.
  public func status() throws(Errno) -> stat {
    var status = stat()
    try Errno.retrying { fstat(rawValue, &status) }
    return status
  }

  /// Reads up to `buffer.count` bytes at the current position; 0 at end of file.
  public func read(into buffer: UnsafeMutableRawBufferPointer) throws(Errno) -> Int {
    try Errno.retrying { Glibc.read(rawValue, buffer.baseAddress, buffer.count) }
  }

  /// Reads up to `buffer.count` bytes at `offset`; 0 at end of file.
  public func read(into buffer: UnsafeMutableRawBufferPointer, at offset: Int64) throws(Errno) -> Int {
    try Errno.retrying { pread(rawValue, buffer.baseAddress, buffer.count, off_t(offset)) }
  }

  /// Reads up to `count` bytes at `offset`, looping on short reads: fewer only where the file ends.
  public func read(upTo count: Int, at offset: Int64) throws(Errno) -> [UInt8] {
    var bytes = [UInt8](repeating: 0, count: max(0, count))
    var done = 0
    while done < bytes.count {
      let got = try bytes.withUnsafeMutableBytes { buffer in
        Result { () throws(Errno) in
          try read(into: UnsafeMutableRawBufferPointer(rebasing: buffer[done...]), at: offset + Int64(done))
        }
      }.get()
      if got == 0 { break }
      done += got
    }
    bytes.removeLast(bytes.count - done)
    return bytes
  }

  /// Writes all of `bytes` at `offset`, looping on short writes.
  public func writeAll(_ bytes: [UInt8], at offset: Int64) throws(Errno) {
    try writeLoop(bytes) { base, done, count in pwrite(rawValue, base + done, count, off_t(offset) + off_t(done)) }
  }

  /// Writes all of `bytes` at the current position (for pipes and terminals).
  public func writeAll(_ bytes: [UInt8]) throws(Errno) {
    try writeLoop(bytes) { base, done, count in write(rawValue, base + done, count) }
  }

  /// Calls `call(base, done, remaining)` until every byte is written.
  private func writeLoop(
    _ bytes: [UInt8], _ call: (UnsafeRawPointer, Int, Int) -> Int
  ) throws(Errno) {
    let result: Result<Void, Errno> = bytes.withUnsafeBytes { raw in
      guard let base = raw.baseAddress else { return .success(()) }
      var done = 0
      while done < raw.count {
        let written = call(base, done, raw.count - done)
        if written < 0 {
          let error = Errno.last
          if error == .interrupted { continue }
          return .failure(error)
        }
        done += written
      }
      return .success(())
    }
    try result.get()
  }

  /// Flushes the file's data and metadata to stable storage.
  public func sync() throws(Errno) {
    try Errno.retrying { fsync(rawValue) }
  }

  /// Reads the whole rest of the stream; nil when it holds more than `limit` bytes.
  public func readAll(limit: Int) throws(Errno) -> [UInt8]? {
    var bytes: [UInt8] = []
    var chunk = [UInt8](repeating: 0, count: 65536)
    while true {
      let count = try chunk.withUnsafeMutableBytes { raw in
        Result { () throws(Errno) in try read(into: raw) }
      }.get()
      if count == 0 { return bytes }
      bytes.append(contentsOf: chunk[0..<count])
      if bytes.count > limit { return nil }
    }
  }
}

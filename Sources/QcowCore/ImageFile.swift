import SystemPackage

/// An open image file, read and written with positioned I/O only.
public struct ImageFile: Sendable {
  /// The path the file was opened from.
  public let path: String
  /// The descriptor; owned by this value until `close()`.
  public let descriptor: FileDescriptor
  /// The file's size when it was opened.
  public let size: UInt64

  /// Opens `path` for reading, or for reading and writing.
  public init(path: String, writable: Bool = false) throws {
    self.path = path
    do {
      descriptor = try FileDescriptor.open(
        FilePath(path), writable ? .readWrite : .readOnly, options: [.closeOnExec])
    } catch let errno as Errno {
      throw QcowError("cannot open: \(errno.message)")
    }
    let status: Stat
    do {
      status = try descriptor.stat()
    } catch {
      try? descriptor.close()
      throw QcowError("cannot stat: \(error.message)")
    }
    guard status.type == .regular else {
      try? descriptor.close()
      throw QcowError("not a regular file")
    }
    size = UInt64(max(0, status.size))
  }

  /// Closes the descriptor.
  public func close() {
    try? descriptor.close()
  }

  /// Opens `path`, runs `body` with the file, and closes it whatever happens.
  public static func withFile<R>(
    _ path: String, writable: Bool = false, _ body: (ImageFile) throws -> R
  ) throws -> R {
    let file = try ImageFile(path: path, writable: writable)
    defer { file.close() }
    return try body(file)
  }

  /// Whether `count` bytes at `offset` lie inside the file.
  public func contains(offset: UInt64, count: UInt64) -> Bool {
    let (end, overflow) = offset.addingReportingOverflow(count)
    return !overflow && end <= size
  }

  /// Reads exactly `count` bytes at `offset`; fails when they are not all inside the file.
  public func read(at offset: UInt64, count: Int, what: String) throws -> [UInt8] {
    guard count >= 0, contains(offset: offset, count: UInt64(count)), let start = Int64(exactly: offset)
    else {
      throw QcowError(
        "\(what) (\(count) bytes at offset \(offset)) runs past the end of the file (\(size) bytes)")
    }
    var bytes = [UInt8](repeating: 0, count: count)
    var done = 0
    while done < count {
      let got: Int
      do {
        got = try bytes.withUnsafeMutableBytes { buffer in
          try descriptor.read(
            fromAbsoluteOffset: start + Int64(done),
            into: UnsafeMutableRawBufferPointer(rebasing: buffer[done...]), retryOnInterrupt: true)
        }
      } catch let errno as Errno {
        throw QcowError("cannot read: \(errno.message)")
      }
      guard got > 0 else { throw QcowError("the file shrank while it was being read") }
      done += got
    }
    return bytes
  }

  /// Writes all of `bytes` at `offset`.
  public func write(_ bytes: [UInt8], at offset: Int64) throws {
    do {
      _ = try descriptor.writeAll(toAbsoluteOffset: offset, bytes)
    } catch let errno as Errno {
      throw QcowError("cannot write: \(errno.message)")
    }
  }
}

extension Errno {
  /// The C library's description of the error, e.g. "No such file or directory".
  var message: String {
    String(describing: self)
  }
}

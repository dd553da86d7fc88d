import Glibc

/// An open image file, read and written with positioned I/O only.
public struct ImageFile: ImageSource {
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
      descriptor = try FileDescriptor.open(path, writable ? O_RDWR : O_RDONLY)
    } catch {
      throw QcowError("cannot open: \(error)")
    }
    let status: stat
    do {
      status = try descriptor.status()
    } catch {
      descriptor.close()
      throw QcowError("cannot stat: \(error)")
    }
    guard status.st_mode & S_IFMT == S_IFREG else {
      descriptor.close()
      throw QcowError("not a regular file")
    }
    size = UInt64(max(0, status.st_size))
  }

  /// Closes the descriptor.
  public func close() {
    descriptor.close()
  }

  /// Opens `path`, runs `body` with the file, and closes it whatever happens.
  public static func withFile<R>(
    _ path: String, writable: Bool = false, _ body: (ImageFile) throws -> R
  ) throws -> R {
    let file = try ImageFile(path: path, writable: writable)
    defer { file.close() }
    return try body(file)
  }

  /// Reads exactly `count` bytes at `offset`; fails when they are not all inside the file.
  public func read(at offset: UInt64, count: Int, what: String) throws -> [UInt8] {
    guard count >= 0, contains(offset: offset, count: UInt64(count)), let start = Int64(exactly: offset)
    else {
      throw QcowError(
        "\(what) (\(count) bytes at offset \(offset)) runs past the end of the file (\(size) bytes)")
    }
    let bytes: [UInt8]
    do {
      bytes = try descriptor.read(upTo: count, at: start)
    } catch {
      throw QcowError("cannot read: \(error)")
    }
    guard bytes.count == count else { throw QcowError("the file shrank while it was being read") }
    return bytes
  }

  /// Writes all of `bytes` at `offset`.
  public func write(_ bytes: [UInt8], at offset: Int64) throws {
    do {
      try descriptor.writeAll(bytes, at: offset)
    } catch {
      throw QcowError("cannot write: \(error)")
    }
  }
}

import Glibc

extension ImageLayout {
  /// Writes the image to `descriptor`, which must be empty: its length first (a sparse file),
  /// then each region with data.
  public func write(to descriptor: FileDescriptor) throws {
    do {
      try Errno.retrying { ftruncate(descriptor.rawValue, off_t(length)) }
      for (offset, bytes) in regions where !bytes.isEmpty {
        try descriptor.writeAll(bytes, at: Int64(offset))
      }
    } catch {
      throw QcowError("cannot write the image: \(error)")
    }
  }

  /// Creates (or truncates) the file at `path` and writes the image into it.
  public func write(toPath path: String) throws {
    let descriptor: FileDescriptor
    do {
      descriptor = try FileDescriptor.open(path, O_WRONLY | O_CREAT | O_TRUNC, mode: 0o644)
    } catch {
      throw QcowError("Could not create '\(path)': \(error)")
    }
    defer { descriptor.close() }
    try write(to: descriptor)
  }

  /// Creates (or truncates) an external data file of `size` bytes, as a hole.
  public static func createDataFile(_ path: String, size: UInt64) throws {
    do {
      let descriptor = try FileDescriptor.open(path, O_WRONLY | O_CREAT | O_TRUNC, mode: 0o644)
      defer { descriptor.close() }
      try Errno.retrying { ftruncate(descriptor.rawValue, off_t(size)) }
    } catch {
      throw QcowError("Could not create '\(path)': \(error)")
    }
  }
}

import Glibc
import QcowCore

/// Whether two files are one, or hold the same bytes, asked of the filesystem as it is now.
enum FileComparison {
  /// Bytes read from each file at a time.
  static let chunkBytes = 1 << 20

  /// Whether `first` and `second` are the same file (hard links of one inode): device and inode
  /// numbers compared with each other now, never with numbers recorded earlier.
  static func sameFile(_ first: String, _ second: String) -> Bool {
    var one = stat()
    var other = stat()
    return stat(first, &one) == 0 && stat(second, &other) == 0 && one.st_dev == other.st_dev
      && one.st_ino == other.st_ino
  }

  /// Whether the files at `first` and `second` hold the same bytes.
  static func sameBytes(_ first: String, _ second: String) throws -> Bool {
    do {
      let one = try FileDescriptor.open(first, O_RDONLY)
      defer { one.close() }
      let other = try FileDescriptor.open(second, O_RDONLY)
      defer { other.close() }
      guard try one.status().st_size == other.status().st_size else { return false }
      var offset: Int64 = 0
      while true {
        let left = try one.read(upTo: chunkBytes, at: offset)
        guard try other.read(upTo: chunkBytes, at: offset) == left else { return false }
        if left.count < chunkBytes { return true }
        offset += Int64(left.count)
      }
    } catch {
      throw QcowError("cannot compare '\(first)' with '\(second)': \(error)")
    }
  }
}

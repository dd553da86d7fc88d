import Glibc
import QcowCore

/// Copies a file's contents so that holes stay holes, with bounded memory.
enum SparseCopy {
  /// The buffer size of the read/write fallback.
  static let bufferSize = 1 << 20

  /// Copies `size` bytes of `source` into the empty file `target`: a reflink clone where the
  /// filesystem shares extents, else the data regions found with SEEK_DATA/SEEK_HOLE, by
  /// copy_file_range where the kernel allows, else by read and write.
  static func copy(from source: Int32, to target: Int32, size: Int64, progress: Progress? = nil) throws {
    // A reflink clone shares the source's extents: constant time on XFS and btrfs. Elsewhere
    // the call fails at once (EOPNOTSUPP, EXDEV, EINVAL) and the data regions are copied.
    if ioctl(target, LinuxCalls.cloneFile, source) == 0 {
      var status = stat()
      if fstat(source, &status) == 0 { progress?.copied(UInt64(max(0, status.st_blocks)) * 512) }
      return
    }
    try Errno.retrying { ftruncate(target, off_t(size)) }
    var offset: Int64 = 0
    while offset < size {
      let dataStart = lseek(source, off_t(offset), LinuxCalls.seekData)
      if dataStart < 0 {
        let error = Errno.last
        if error == .noSuchDeviceOrAddress { return }  // ENXIO: no data past offset
        guard error == .invalidArgument else { throw error }
        // The filesystem cannot report holes: copy everything that is left.
        try copyRange(from: source, to: target, start: offset, end: size, progress: progress)
        return
      }
      var dataEnd = Int64(lseek(source, dataStart, LinuxCalls.seekHole))
      if dataEnd < 0 { dataEnd = size }
      try copyRange(from: source, to: target, start: Int64(dataStart), end: min(dataEnd, size), progress: progress)
      offset = dataEnd
    }
  }

  /// Copies `start..<end` of `source` to the same offsets of `target`.
  private static func copyRange(
    from source: Int32, to target: Int32, start: Int64, end: Int64, progress: Progress?
  ) throws {
    var inOffset = start
    var outOffset = start
    while inOffset < end {
      let chunk = Int(min(end - inOffset, 64 << 20))
      guard let copied = LinuxCalls.copyFileRange(from: source, at: &inOffset, to: target, at: &outOffset, count: chunk)
      else { return try readWrite(from: source, to: target, start: inOffset, end: end, progress: progress) }
      if copied > 0 {
        progress?.copied(UInt64(copied))
        if copied >= writebackThreshold {
          try startWriteback(target, offset: outOffset - Int64(copied), count: Int64(copied))
        }
        continue
      }
      if copied == 0 { throw Errno.ioError }  // the source shrank underneath us
      let error = Errno.last
      if error == .interrupted { continue }
      let unsupported: [Errno] = [
        .crossDevice, .invalidArgument, .notImplemented, .notSupported, .badFileDescriptor,
      ]
      guard unsupported.contains(error) else { throw error }
      return try readWrite(from: source, to: target, start: inOffset, end: end, progress: progress)
    }
  }

  /// The smallest copied chunk whose writeback starts at once (see `startWriteback`).
  static let writebackThreshold = 8 << 20

  /// Starts writing a copied chunk back to the disk while the next one is copied, so the
  /// staged file's final fsync waits for less (measured on ext4, a 10 GiB image with 1 GiB of
  /// data: median apply 1.64 s against 1.85 s without, 14 runs each). A filesystem that cannot
  /// do it is fine; an I/O error is not: it fails the staging like a failed write.
  private static func startWriteback(_ target: Int32, offset: Int64, count: Int64) throws {
    guard let result = LinuxCalls.startWriteback(target, offset: offset, count: count), result != 0 else { return }
    let error = Errno.last
    let unsupported: [Errno] = [.invalidArgument, .notImplemented, .notSupported, .illegalSeek]
    if !unsupported.contains(error) { throw error }
  }

  /// The fallback: positioned reads and writes through one bounded buffer.
  private static func readWrite(
    from source: Int32, to target: Int32, start: Int64, end: Int64, progress: Progress?
  ) throws {
    var buffer = [UInt8](repeating: 0, count: bufferSize)
    var offset = start
    while offset < end {
      let want = Int(min(end - offset, Int64(bufferSize)))
      let got = try buffer.withUnsafeMutableBytes { (raw) throws -> Int in
        try Errno.retrying { pread(source, raw.baseAddress, want, off_t(offset)) }
      }
      guard got > 0 else { throw Errno.ioError }
      var written = 0
      while written < got {
        let count = try buffer.withUnsafeBytes { (raw) throws -> Int in
          try Errno.retrying {
            pwrite(target, raw.baseAddress.map { $0 + written }, got - written, off_t(offset) + off_t(written))
          }
        }
        written += count
      }
      offset += Int64(got)
      progress?.copied(UInt64(got))
    }
  }
}

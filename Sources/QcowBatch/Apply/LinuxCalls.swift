import Glibc

/// Linux calls and constants that Swift's Glibc module hides behind `_GNU_SOURCE`,
/// looked up once from the C library.
enum LinuxCalls {
  /// `lseek` whence: the next offset holding data.
  static let seekData: Int32 = 3
  /// `lseek` whence: the next hole.
  static let seekHole: Int32 = 4
  /// The `FICLONE` ioctl: make the target share all of the source's extents.
  static let cloneFile = UInt(0x4004_9409)

  private typealias CopyFileRange =
    @convention(c) (
      Int32, UnsafeMutablePointer<Int64>?, Int32, UnsafeMutablePointer<Int64>?, Int, UInt32
    ) -> Int

  private static let copyFileRangeCall: CopyFileRange? = {
    // RTLD_DEFAULT is the null handle in glibc.
    guard let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "copy_file_range") else { return nil }
    return unsafeBitCast(symbol, to: CopyFileRange.self)
  }()

  /// `copy_file_range(2)` at explicit offsets; nil when the C library lacks it.
  static func copyFileRange(
    from source: Int32, at sourceOffset: inout Int64, to target: Int32, at targetOffset: inout Int64, count: Int
  ) -> Int? {
    guard let call = copyFileRangeCall else { return nil }
    return call(source, &sourceOffset, target, &targetOffset, count, 0)
  }

  private typealias SyncFilesystem = @convention(c) (Int32) -> Int32

  private static let syncfsCall: SyncFilesystem? = {
    guard let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "syncfs") else { return nil }
    return unsafeBitCast(symbol, to: SyncFilesystem.self)
  }()

  /// `syncfs(2)`: flushes the whole filesystem holding `descriptor`; nil when the C library lacks it.
  static func syncFilesystem(_ descriptor: Int32) -> Int32? {
    syncfsCall.map { $0(descriptor) }
  }

  private typealias SyncFileRange = @convention(c) (Int32, Int64, Int64, UInt32) -> Int32

  private static let syncFileRangeCall: SyncFileRange? = {
    guard let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "sync_file_range") else { return nil }
    return unsafeBitCast(symbol, to: SyncFileRange.self)
  }()

  /// `sync_file_range(2)` with SYNC_FILE_RANGE_WRITE: starts writing a range back without
  /// waiting for it; nil when the C library lacks the call.
  static func startWriteback(_ descriptor: Int32, offset: Int64, count: Int64) -> Int32? {
    syncFileRangeCall.map { $0(descriptor, offset, count, 2) }
  }
}

import Glibc

/// A POSIX error number from a failed system call.
public struct Errno: Error, Equatable, Sendable, CustomStringConvertible {
  /// The raw `errno` value.
  public let rawValue: Int32

  /// The error with raw value `rawValue`.
  public init(rawValue: Int32) {
    self.rawValue = rawValue
  }

  /// The calling thread's current `errno`.
  public static var last: Errno { Errno(rawValue: errno) }

  /// The C library's description, e.g. "No such file or directory".
  public var description: String { String(cString: strerror(rawValue)) }

  /// Runs a call that returns -1 on failure, retrying on EINTR; throws its errno.
  @discardableResult
  public static func retrying<T: FixedWidthInteger>(_ call: () -> T) throws(Errno) -> T {
    while true {
      let result = call()
      if result != -1 { return result }
      let error = Errno.last
      if error != .interrupted { throw error }
    }
  }

  /// EINTR.
  public static let interrupted = Errno(rawValue: EINTR)
  /// ENOENT.
  public static let noSuchFile = Errno(rawValue: ENOENT)
  /// EEXIST.
  public static let fileExists = Errno(rawValue: EEXIST)
  /// EIO.
  public static let ioError = Errno(rawValue: EIO)
  /// EINVAL.
  public static let invalidArgument = Errno(rawValue: EINVAL)
  /// ENXIO: for lseek, no data past the offset.
  public static let noSuchDeviceOrAddress = Errno(rawValue: ENXIO)
  /// ENOSYS.
  public static let notImplemented = Errno(rawValue: ENOSYS)
  /// EOPNOTSUPP.
  public static let notSupported = Errno(rawValue: EOPNOTSUPP)
  /// EBADF.
  public static let badFileDescriptor = Errno(rawValue: EBADF)
  /// EXDEV.
  public static let crossDevice = Errno(rawValue: EXDEV)
  /// ESPIPE.
  public static let illegalSeek = Errno(rawValue: ESPIPE)
}

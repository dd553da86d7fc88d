import Glibc
import SystemPackage

extension Errno {
  /// The calling thread's `errno`, for the raw calls swift-system does not wrap.
  static var last: Errno { Errno(rawValue: errno) }

  /// Runs a raw call that returns -1 on failure, retrying on EINTR; throws its errno.
  @discardableResult
  static func retrying<T: FixedWidthInteger>(_ call: () -> T) throws(Errno) -> T {
    while true {
      let result = call()
      if result != -1 { return result }
      let error = Errno.last
      if error != .interrupted { throw error }
    }
  }
}

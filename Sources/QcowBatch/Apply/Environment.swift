import Glibc

/// Reading environment variables.
enum Environment {
  /// The integer value of `name`, or nil when unset or not a number.
  static func integer(_ name: String) -> Int? {
    getenv(name).flatMap { Int(String(cString: $0)) }
  }
}

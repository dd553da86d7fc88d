import Glibc

/// Reading environment variables.
enum Environment {
  /// The integer value of `name`, or nil when unset or not a number.
  static func integer(_ name: String) -> Int? {
    string(name).flatMap { Int($0) }
  }

  /// The value of `name`, or nil when unset.
  static func string(_ name: String) -> String? {
    getenv(name).map { String(cString: $0) }
  }
}

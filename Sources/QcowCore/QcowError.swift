/// A failure reading, editing or writing a qcow2 image, with a one-line message.
public struct QcowError: Error, CustomStringConvertible, Equatable, Sendable {
  /// The human-readable message, without any prefix.
  public let message: String

  /// An error carrying `message`.
  public init(_ message: String) {
    self.message = message
  }

  public var description: String { message }
}

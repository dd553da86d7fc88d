import Glibc
import QcowCore

/// What a staged file gets after its content: the edits' byte runs, then its new length.
struct Edits: Sendable {
  /// The runs to write, in order.
  let writes: FileWrites
  /// The file's new length, when the edits cut or grow it.
  let length: UInt64?
  /// The shortest length the edits cut it to first, when they did.
  let cutLength: UInt64?

  /// Cuts the file where the edits first cut it, makes the writes, then sets its length.
  func make(in descriptor: FileDescriptor) throws {
    if let cutLength {
      guard let size = off_t(exactly: cutLength) else { throw QcowError("length \(cutLength) is too large") }
      try Errno.retrying { ftruncate(descriptor.rawValue, size) }
    }
    try writes.write(to: descriptor)
    if let length {
      guard let size = off_t(exactly: length) else { throw QcowError("length \(length) is too large") }
      try Errno.retrying { ftruncate(descriptor.rawValue, size) }
    }
  }
}

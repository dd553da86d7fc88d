import Glibc
import QcowCore

/// What one version of an image file is, by its content: its size and a hash of its first
/// 4 KiB, which hold the header. Device and inode numbers are not part of it: a reboot, a
/// restored backup or a copied directory gives the same content other numbers.
struct VersionFingerprint: Equatable, Sendable, CustomStringConvertible {
  /// Bytes of the file's start covered by the hash.
  static let hashedBytes = 4096

  let size: Int64
  let headHash: String

  /// The fingerprint of the file at `path`, or nil when it does not exist or cannot be read.
  init?(path: String) {
    guard let descriptor = try? FileDescriptor.open(path, O_RDONLY) else { return nil }
    defer { descriptor.close() }
    guard let status = try? descriptor.status() else { return nil }
    guard let head = try? descriptor.read(upTo: VersionFingerprint.hashedBytes, at: 0) else { return nil }
    size = Int64(status.st_size)
    headHash = SHA256.hex(head)
  }

  /// Parses the journal form `size:hash`, or format 1's `device:inode:size:hash`, whose device
  /// and inode are ignored.
  init?(journalText text: String) {
    let parts = text.split(separator: ":", omittingEmptySubsequences: false)
    guard parts.count == 2 || parts.count == 4, let size = Int64(parts[parts.count - 2]), size >= 0,
      let hash = parts.last, hash.count == 64
    else { return nil }
    if parts.count == 4, UInt64(parts[0]) == nil || UInt64(parts[1]) == nil { return nil }
    self.size = size
    headHash = String(hash)
  }

  /// The journal form.
  var description: String { "\(size):\(headHash)" }
}

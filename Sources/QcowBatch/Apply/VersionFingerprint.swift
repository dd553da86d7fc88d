import Glibc
import QcowCore

/// What identifies one version of an image file cheaply: its device and inode (a rename keeps
/// them, a rewrite does not), its size, and a hash of its first 4 KiB, which hold the header.
struct VersionFingerprint: Equatable, Sendable, CustomStringConvertible {
  /// Bytes of the file's start covered by the hash.
  static let hashedBytes = 4096

  let device: UInt64
  let inode: UInt64
  let size: Int64
  let headHash: String

  /// The fingerprint of the file at `path`, or nil when it does not exist or cannot be read.
  init?(path: String) {
    guard let descriptor = try? FileDescriptor.open(path, O_RDONLY) else { return nil }
    defer { descriptor.close() }
    guard let status = try? descriptor.status() else { return nil }
    var head = [UInt8](repeating: 0, count: VersionFingerprint.hashedBytes)
    var filled = 0
    while filled < head.count {
      let count =
        (try? head.withUnsafeMutableBytes { raw in
          Result { () throws(Errno) in
            try descriptor.read(into: UnsafeMutableRawBufferPointer(rebasing: raw[filled...]), at: Int64(filled))
          }
        }.get()) ?? 0
      if count <= 0 { break }
      filled += count
    }
    device = UInt64(status.st_dev)
    inode = UInt64(status.st_ino)
    size = Int64(status.st_size)
    headHash = SHA256.hex(Array(head[0..<filled]))
  }

  /// Parses the journal form `device:inode:size:hash`.
  init?(journalText text: String) {
    let parts = text.split(separator: ":", omittingEmptySubsequences: false)
    guard parts.count == 4, let device = UInt64(parts[0]), let inode = UInt64(parts[1]),
      let size = Int64(parts[2]), parts[3].count == 64
    else { return nil }
    self.device = device
    self.inode = inode
    self.size = size
    headHash = String(parts[3])
  }

  /// The journal form.
  var description: String { "\(device):\(inode):\(size):\(headHash)" }
}

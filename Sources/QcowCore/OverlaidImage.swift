/// An image as it would read after a `FileWrites`: the runs over the original bytes.
struct OverlaidImage: ImageSource {
  /// The image as it is.
  let base: any ImageSource
  /// The writes laid over it.
  let write: FileWrites

  var size: UInt64 { max(base.size, write.end) }

  func read(at offset: UInt64, count: Int, what: String) throws -> [UInt8] {
    guard count >= 0, contains(offset: offset, count: UInt64(count)) else {
      throw QcowError("\(what) (\(count) bytes at offset \(offset)) runs past the end of the file (\(size) bytes)")
    }
    let original = try base.readAvailable(at: offset, upTo: UInt64(count), what: what)
    return write.overlay(original, from: offset, count: count)
  }
}

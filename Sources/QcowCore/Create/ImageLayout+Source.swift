extension ImageLayout: ImageSource {
  /// The image's length.
  public var size: UInt64 { length }

  /// The bytes at `offset` as the image file will hold them.
  public func read(at offset: UInt64, count: Int, what: String) throws -> [UInt8] {
    guard count >= 0, contains(offset: offset, count: UInt64(count)) else {
      throw QcowError("\(what) (\(count) bytes at offset \(offset)) runs past the end of the image (\(length) bytes)")
    }
    var bytes = [UInt8](repeating: 0, count: count)
    let end = offset + UInt64(count)
    for (start, data) in regions where !data.isEmpty {
      let stop = start + UInt64(data.count)
      guard start < end, stop > offset else { continue }
      let from = max(start, offset)
      let to = min(stop, end)
      bytes.replaceSubrange(
        Int(from - offset)..<Int(to - offset), with: data[Int(from - start)..<Int(to - start)])
    }
    return bytes
  }
}

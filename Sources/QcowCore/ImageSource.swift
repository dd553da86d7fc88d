/// Where an image's bytes are read from: a file, or an image built in memory.
public protocol ImageSource: Sendable {
  /// The image's length in bytes.
  var size: UInt64 { get }

  /// Exactly `count` bytes at `offset`; fails when they are not all inside the image.
  func read(at offset: UInt64, count: Int, what: String) throws -> [UInt8]
}

extension ImageSource {
  /// Whether `count` bytes at `offset` lie inside the image.
  public func contains(offset: UInt64, count: UInt64) -> Bool {
    let (end, overflow) = offset.addingReportingOverflow(count)
    return !overflow && end <= size
  }
}

extension ImageSource {
  /// Up to `count` bytes at `offset`: fewer where the image ends first, none past its end.
  /// Never reads or allocates more than the image holds.
  public func readAvailable(at offset: UInt64, upTo count: UInt64, what: String) throws -> [UInt8] {
    guard offset < size else { return [] }
    let available = min(count, size - offset)
    guard let length = Int(exactly: available) else {
      throw QcowError("\(what): \(available) bytes at offset \(offset) are more than this machine can hold")
    }
    return try read(at: offset, count: length, what: what)
  }
}

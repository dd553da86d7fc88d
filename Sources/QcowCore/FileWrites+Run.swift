extension FileWrites {
  /// What a run writes: bytes as given, or one byte repeated, kept without its data so that a
  /// pattern write of gigabytes costs no memory until it is written out.
  public enum Content: Sendable, Equatable {
    /// These bytes.
    case bytes([UInt8])
    /// `count` copies of one byte.
    case repeated(UInt8, count: UInt64)
  }

  /// Bytes to write at one offset.
  public struct Run: Sendable, Equatable {
    /// Where the run starts in the file.
    public let offset: UInt64
    /// What it writes there.
    public let content: Content

    /// A run of `content` at `offset`.
    public init(offset: UInt64, content: Content) {
      self.offset = offset
      self.content = content
    }

    /// How many bytes the run writes.
    public var count: UInt64 {
      switch content {
      case .bytes(let bytes): UInt64(bytes.count)
      case .repeated(_, let count): count
      }
    }

    /// Offset just past the run.
    public var end: UInt64 { offset + count }

    /// Whether the run is one byte repeated.
    public var isRepeated: Bool {
      if case .repeated = content { return true }
      return false
    }

    /// The bytes the run writes in the file range `start..<end`, which lies inside it.
    public func bytes(from start: UInt64, to end: UInt64) -> [UInt8] {
      switch content {
      case .bytes(let bytes): Array(bytes[Int(start - offset)..<Int(end - offset)])
      case .repeated(let byte, _): [UInt8](repeating: byte, count: Int(end - start))
      }
    }

    /// The part of the run in `start..<end`, which lies inside it.
    func slice(from start: UInt64, to end: UInt64) -> Run {
      switch content {
      case .bytes: Run(offset: start, content: .bytes(bytes(from: start, to: end)))
      case .repeated(let byte, _): Run(offset: start, content: .repeated(byte, count: end - start))
      }
    }

    /// The run of `self` followed by `next` (which starts at its end) as one, when that costs
    /// little: repeats of one byte always join, other runs while the whole stays `limit` bytes.
    func joined(with next: Run, limit: Int) -> Run? {
      if case .repeated(let byte, let count) = content, case .repeated(byte, let more) = next.content {
        return Run(offset: offset, content: .repeated(byte, count: count + more))
      }
      guard count + next.count <= UInt64(limit) else { return nil }
      return Run(
        offset: offset, content: .bytes(bytes(from: offset, to: end) + next.bytes(from: next.offset, to: next.end)))
    }
  }
}

/// The writes that store a header area: disjoint runs of bytes at file offsets, in
/// ascending order. Everything outside them stays as it is on disk.
public struct HeaderWrite: Sendable, Equatable {
  /// Bytes to write at one offset.
  public struct Run: Sendable, Equatable {
    /// Where the run starts in the file.
    public let offset: UInt64
    /// The bytes written there.
    public let bytes: [UInt8]

    /// Offset just past the run.
    public var end: UInt64 { offset + UInt64(bytes.count) }
  }

  /// The runs, disjoint and ascending.
  public private(set) var runs: [Run] = []

  /// No writes.
  public init() {}

  /// Offset just past the last byte written (0 when nothing is).
  public var end: UInt64 { runs.last?.end ?? 0 }

  /// Bytes written in all.
  public var byteCount: Int { runs.reduce(0) { $0 + $1.bytes.count } }

  /// Adds `bytes` at `offset`, replacing what earlier runs put there, as a later write
  /// replaces an earlier one on disk. Runs that touch are merged.
  public mutating func layer(_ bytes: [UInt8], at offset: UInt64) {
    guard !bytes.isEmpty else { return }
    let new = Run(offset: offset, bytes: bytes)
    var result: [Run] = []
    for run in runs {
      if run.end <= new.offset || run.offset >= new.end {
        result.append(run)
        continue
      }
      if run.offset < new.offset {
        result.append(Run(offset: run.offset, bytes: Array(run.bytes[..<Int(new.offset - run.offset)])))
      }
      if run.end > new.end {
        result.append(Run(offset: new.end, bytes: Array(run.bytes[Int(new.end - run.offset)...])))
      }
    }
    result.append(new)
    result.sort { $0.offset < $1.offset }
    runs = []
    for run in result {
      if let last = runs.last, last.end == run.offset {
        runs[runs.count - 1] = Run(offset: last.offset, bytes: last.bytes + run.bytes)
      } else {
        runs.append(run)
      }
    }
  }

  /// The bytes of `count` at `offset` once the runs are written over `base`, which holds
  /// the file from offset `baseOffset` (zeros past its end, as a hole reads).
  func overlay(_ base: [UInt8], from baseOffset: UInt64, count: Int) -> [UInt8] {
    var bytes = base
    bytes.append(contentsOf: repeatElement(0, count: max(0, count - bytes.count)))
    let end = baseOffset + UInt64(count)
    for run in runs where run.end > baseOffset && run.offset < end {
      let from = max(run.offset, baseOffset)
      let to = min(run.end, end)
      let source = Int(from - run.offset)..<Int(to - run.offset)
      bytes.replaceSubrange(Int(from - baseOffset)..<Int(to - baseOffset), with: run.bytes[source])
    }
    return bytes
  }

  /// `bytes` (a whole file) with the runs written over it; the file grows where a run ends
  /// past it.
  public func applied(to bytes: [UInt8]) -> [UInt8] {
    let count = max(bytes.count, Int(clamping: end))
    return overlay(bytes, from: 0, count: count)
  }

  /// The runs with everything at or past `length` dropped, as a file cut to that length.
  public func truncated(to length: UInt64) -> HeaderWrite {
    var result = HeaderWrite()
    for run in runs where run.offset < length {
      result.runs.append(
        run.end <= length ? run : Run(offset: run.offset, bytes: Array(run.bytes[..<Int(length - run.offset)])))
    }
    return result
  }
}

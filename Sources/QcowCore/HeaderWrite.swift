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

  /// Runs that touch are merged while the result stays this small; larger ones stay apart,
  /// so that many small writes next to a big one never copy it again.
  static let mergeLimit = 64 << 10

  /// Adds `bytes` at `offset`, replacing what earlier runs put there, as a later write
  /// replaces an earlier one on disk. Touching runs are merged up to `mergeLimit` bytes.
  public mutating func layer(_ bytes: [UInt8], at offset: UInt64) {
    guard !bytes.isEmpty else { return }
    let new = Run(offset: offset, bytes: bytes)
    let first = firstRun(endingAfter: new.offset)
    var last = first
    while last < runs.count, runs[last].offset < new.end { last += 1 }
    var replacement: [Run] = []
    if first < last, runs[first].offset < new.offset {
      let run = runs[first]
      replacement.append(Run(offset: run.offset, bytes: Array(run.bytes[..<Int(new.offset - run.offset)])))
    }
    replacement.append(new)
    if first < last, runs[last - 1].end > new.end {
      let run = runs[last - 1]
      replacement.append(Run(offset: new.end, bytes: Array(run.bytes[Int(new.end - run.offset)...])))
    }
    var start = first
    var stop = last
    // Take in the touching neighbours, then merge what is small enough.
    if start > 0, runs[start - 1].end == replacement[0].offset {
      start -= 1
      replacement.insert(runs[start], at: 0)
    }
    if stop < runs.count, let tail = replacement.last, runs[stop].offset == tail.end {
      replacement.append(runs[stop])
      stop += 1
    }
    var merged: [Run] = []
    for run in replacement {
      if let previous = merged.last, previous.end == run.offset,
        previous.bytes.count + run.bytes.count <= HeaderWrite.mergeLimit
      {
        merged[merged.count - 1] = Run(offset: previous.offset, bytes: previous.bytes + run.bytes)
      } else {
        merged.append(run)
      }
    }
    runs.replaceSubrange(start..<stop, with: merged)
  }

  /// Whether any run writes inside `start..<end`.
  public func touches(_ start: UInt64, _ end: UInt64) -> Bool {
    let index = firstRun(endingAfter: start)
    return index < runs.count && runs[index].offset < end
  }

  /// The index of the first run that ends after `offset` (binary search).
  private func firstRun(endingAfter offset: UInt64) -> Int {
    var low = 0
    var high = runs.count
    while low < high {
      let middle = (low + high) / 2
      if runs[middle].end <= offset { low = middle + 1 } else { high = middle }
    }
    return low
  }

  /// The bytes of `count` at `offset` once the runs are written over `base`, which holds
  /// the file from offset `baseOffset` (zeros past its end, as a hole reads).
  func overlay(_ base: [UInt8], from baseOffset: UInt64, count: Int) -> [UInt8] {
    var bytes = base
    bytes.append(contentsOf: repeatElement(0, count: max(0, count - bytes.count)))
    let end = baseOffset + UInt64(count)
    var index = firstRun(endingAfter: baseOffset)
    while index < runs.count, runs[index].offset < end {
      let run = runs[index]
      let from = max(run.offset, baseOffset)
      let to = min(run.end, end)
      let source = Int(from - run.offset)..<Int(to - run.offset)
      bytes.replaceSubrange(Int(from - baseOffset)..<Int(to - baseOffset), with: run.bytes[source])
      index += 1
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

  /// Makes the writes in `descriptor`, run by run.
  public func write(to descriptor: FileDescriptor) throws {
    for run in runs {
      guard let offset = Int64(exactly: run.offset) else {
        throw QcowError("offset \(run.offset) is past what a file can hold")
      }
      do {
        try descriptor.writeAll(run.bytes, at: offset)
      } catch {
        throw QcowError("cannot write: \(error)")
      }
    }
  }
}

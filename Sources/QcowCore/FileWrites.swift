/// Writes to a file: disjoint runs at file offsets, in ascending order, as a header area's
/// edit or a whole draft's changes make them. Everything outside them stays as it is on disk.
public struct FileWrites: Sendable, Equatable {
  /// The runs, disjoint and ascending.
  public private(set) var runs: [Run] = []

  /// No writes.
  public init() {}

  /// Offset just past the last byte written (0 when nothing is).
  public var end: UInt64 { runs.last?.end ?? 0 }

  /// Bytes written in all.
  public var byteCount: Int { runs.reduce(0) { $0 &+ Int(clamping: $1.count) } }

  /// Runs that touch are merged while the result stays this small; larger ones stay apart,
  /// so that many small writes next to a big one never copy it again.
  static let mergeLimit = 64 << 10

  /// Adds `bytes` at `offset`, replacing what earlier runs put there, as a later write
  /// replaces an earlier one on disk.
  public mutating func layer(_ bytes: [UInt8], at offset: UInt64) {
    layer(Run(offset: offset, content: .bytes(bytes)))
  }

  /// Adds `new`, replacing what earlier runs put where it writes. Touching runs are joined
  /// up to `mergeLimit` bytes (repeats of one byte without limit).
  public mutating func layer(_ new: Run) {
    guard new.count > 0 else { return }
    let first = firstRun(endingAfter: new.offset)
    var last = first
    while last < runs.count, runs[last].offset < new.end { last += 1 }
    var replacement: [Run] = []
    if first < last, runs[first].offset < new.offset {
      replacement.append(runs[first].slice(from: runs[first].offset, to: new.offset))
    }
    replacement.append(new)
    if first < last, runs[last - 1].end > new.end {
      replacement.append(runs[last - 1].slice(from: new.end, to: runs[last - 1].end))
    }
    var start = first
    var stop = last
    // Take in the touching neighbours, then join what is cheap to join.
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
        let joined = previous.joined(with: run, limit: FileWrites.mergeLimit)
      {
        merged[merged.count - 1] = joined
      } else {
        merged.append(run)
      }
    }
    runs.replaceSubrange(start..<stop, with: merged)
  }

  /// The byte a single repeated run writes over all of `start..<end`, if one does.
  public func repeatedByte(over start: UInt64, _ end: UInt64) -> UInt8? {
    let index = firstRun(endingAfter: start)
    guard index < runs.count, runs[index].offset <= start, runs[index].end >= end,
      case .repeated(let byte, _) = runs[index].content
    else { return nil }
    return byte
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
      bytes.replaceSubrange(Int(from - baseOffset)..<Int(to - baseOffset), with: run.bytes(from: from, to: to))
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
  public func truncated(to length: UInt64) -> FileWrites {
    var result = FileWrites()
    for run in runs where run.offset < length {
      result.runs.append(run.end <= length ? run : run.slice(from: run.offset, to: length))
    }
    return result
  }

  /// The most bytes of a repeated run held in memory at once while it is written.
  static let writeChunk = 1 << 20

  /// Makes the writes in `descriptor`, run by run; a repeated byte goes out in chunks of
  /// `writeChunk`, so memory stays bounded however long the run.
  public func write(to descriptor: FileDescriptor) throws {
    for run in runs {
      guard Int64(exactly: run.end) != nil else {
        throw QcowError("offset \(run.end) is past what a file can hold")
      }
      do {
        switch run.content {
        case .bytes(let bytes):
          try descriptor.writeAll(bytes, at: Int64(run.offset))
        case .repeated(let byte, let count):
          let chunk = [UInt8](repeating: byte, count: Int(min(count, UInt64(FileWrites.writeChunk))))
          var offset = run.offset
          while offset < run.end {
            let size = Int(min(run.end - offset, UInt64(chunk.count)))
            try descriptor.writeAll(size == chunk.count ? chunk : Array(chunk[..<size]), at: Int64(offset))
            offset += UInt64(size)
          }
        }
      } catch {
        throw QcowError("cannot write: \(error)")
      }
    }
  }
}

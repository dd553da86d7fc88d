/// An image with pending changes: the source's bytes under the writes made so far, at a
/// length that truncation may have changed. Reads see the changes; nothing is written.
public struct ImageDraft: ImageSource {
  /// The image the draft starts from.
  public let base: any ImageSource
  /// The byte runs written so far, applied over the base.
  public private(set) var writes = FileWrites()
  /// The draft's length.
  public private(set) var size: UInt64
  /// How much of the base still shows: a cut followed by a growth reads zeros there.
  private var baseVisible: UInt64

  /// A draft of `base` with no changes.
  public init(base: any ImageSource) {
    self.base = base
    size = base.size
    baseVisible = base.size
  }

  /// The draft of `base` that `writes`, `size` and `cutLength` describe (as a plan keeps them).
  public init(base: any ImageSource, writes: FileWrites, size: UInt64, cutLength: UInt64?) {
    self.base = base
    self.writes = writes
    self.size = size
    baseVisible = min(base.size, cutLength ?? base.size)
  }

  /// The shortest length a truncation cut the base to, when it is shorter than the base:
  /// the base's bytes past it read as zeros even where the draft grew again.
  public var cutLength: UInt64? { baseVisible < base.size ? baseVisible : nil }

  /// Whether the draft differs from its base.
  public var isChanged: Bool { !writes.runs.isEmpty || size != base.size }

  public func read(at offset: UInt64, count: Int, what: String) throws -> [UInt8] {
    guard count >= 0, contains(offset: offset, count: UInt64(count)) else {
      throw QcowError("\(what) (\(count) bytes at offset \(offset)) runs past the end of the file (\(size) bytes)")
    }
    let visible = offset < baseVisible ? min(UInt64(count), baseVisible - offset) : 0
    let original = try base.readAvailable(at: offset, upTo: visible, what: what)
    return writes.overlay(original, from: offset, count: count)
  }

  /// Writes `bytes` at `offset`; they must end inside the draft (truncate to grow it first).
  public mutating func write(_ bytes: [UInt8], at offset: UInt64) throws {
    try write(FileWrites.Run(offset: offset, content: .bytes(bytes)))
  }

  /// Writes `count` copies of `byte` at `offset`, holding one byte however many there are;
  /// they must end inside the draft.
  public mutating func fill(_ byte: UInt8, count: UInt64, at offset: UInt64) throws {
    try write(FileWrites.Run(offset: offset, content: .repeated(byte, count: count)))
  }

  private mutating func write(_ run: FileWrites.Run) throws {
    guard contains(offset: run.offset, count: run.count) else {
      throw QcowError(
        "\(run.count) bytes at \(FieldFormat.hex.render(run.offset)) end past the end of the file (\(size) bytes): "
          + "truncate to grow it first")
    }
    writes.layer(run)
  }

  /// Makes the writes of a header area; they may grow the file, as writing past its end does.
  public mutating func apply(_ header: FileWrites) {
    for run in header.runs {
      writes.layer(run)
    }
    size = max(size, header.end)
  }

  /// Cuts or grows the draft to `length`; grown bytes read as zeros (a hole).
  public mutating func truncate(to length: UInt64) {
    if length < size {
      writes = writes.truncated(to: length)
      baseVisible = min(baseVisible, length)
    }
    size = length
  }
}

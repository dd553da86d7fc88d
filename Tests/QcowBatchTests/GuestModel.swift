/// What a test image's guest data should read as after a sequence of setup steps: runs of
/// one byte value each, from a simple model of the steps (writes and zeroes as given; a
/// discard zeroes the whole clusters inside it, except on a version 2 image with a backing
/// file, where QEMU ignores it).
struct GuestModel {
  /// Disjoint, ascending runs covering the disk.
  private(set) var runs: [(start: UInt64, end: UInt64, byte: UInt8)]

  /// A disk of `size` bytes reading `backing` over its first `backingLength` bytes, zeros after.
  init(size: UInt64, backing: UInt8?, backingLength: UInt64) {
    runs = [(0, size, 0)]
    if let backing { set(0, min(backingLength, size), backing) }
  }

  /// Makes `start..<end` read `byte`.
  mutating func set(_ start: UInt64, _ end: UInt64, _ byte: UInt8) {
    guard start < end else { return }
    var result: [(start: UInt64, end: UInt64, byte: UInt8)] = []
    for run in runs {
      if run.end <= start || run.start >= end {
        result.append(run)
        continue
      }
      if run.start < start { result.append((run.start, start, run.byte)) }
      if run.end > end { result.append((end, run.end, run.byte)) }
    }
    result.append((start, end, byte))
    result.sort { $0.start < $1.start }
    var merged: [(start: UInt64, end: UInt64, byte: UInt8)] = []
    for run in result {
      if let last = merged.last, last.end == run.start, last.byte == run.byte {
        merged[merged.count - 1].end = run.end
      } else {
        merged.append(run)
      }
    }
    runs = merged
  }

  /// The guest data after `step` on an image of `clusterSize` clusters and `version`.
  mutating func apply(_ step: SetupCaseStep, clusterSize: UInt64, version: Int, hasBacking: Bool, size: UInt64) {
    switch step {
    case .write(let offset, let length, let pattern): set(offset, offset + length, pattern ?? 0xcd)
    case .compressed(let offset, let length, let pattern): set(offset, offset + length, pattern)
    case .zeroes(let offset, let length): set(offset, offset + length, 0)
    case .discard(let offset, let length):
      guard version == 3 || !hasBacking else { return }
      let start = (offset + clusterSize - 1) / clusterSize * clusterSize
      let end = offset + length == size ? size : (offset + length) / clusterSize * clusterSize
      set(start, end, 0)
    case .snapshot: break
    }
  }

  /// qemu-io read commands that check every run.
  var readCommands: [String] {
    runs.map { "read -P \($0.byte) \($0.start) \($0.end - $0.start)" }
  }
}

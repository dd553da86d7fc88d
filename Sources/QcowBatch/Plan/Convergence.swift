import Glibc
import QcowCore

/// Whether a target already holds exactly what staging its plan would write: the same
/// length and the same bytes (holes and zeros alike). It only reads: the regions the source
/// holds as holes are skipped where the target has holes too, so the check costs less than
/// the copy it saves.
enum Convergence {
  /// The size of the chunks compared.
  static let chunk = 1 << 20

  /// `plan`, marked unchanged when its target (and data file) already hold `result`.
  static func checked(_ plan: ImagePlan, result: ImageDraft?) -> ImagePlan {
    guard plan.isValid, let result else { return plan }
    var checked = plan
    checked.unchanged = (try? isUnchanged(plan, result: result)) ?? false
    return checked
  }

  private static func isUnchanged(_ plan: ImagePlan, result: ImageDraft) throws -> Bool {
    guard let writes = plan.writes, let target = try? ImageFile(path: plan.target) else { return false }
    defer { target.close() }
    if let dataFile = plan.dataFile {
      guard let file = try? ImageFile(path: dataFile.path) else { return false }
      defer { file.close() }
      guard file.size == dataFile.size, try holdsZeros(file, from: 0, to: file.size) else { return false }
    }
    if plan.creation == nil && plan.entry.from == nil && plan.sourceEntry == nil {
      // Edited in place: unchanged when every write already holds its bytes and the length stays.
      guard plan.length == nil, plan.cutLength == nil else { return false }
      return try writes.runs.allSatisfy { run in try holds(target, run) }
    }
    return try matches(target, expected: result, sourceFile: result.base as? ImageFile)
  }

  /// Whether `target` already holds what `run` writes, compared a chunk at a time.
  private static func holds(_ target: ImageFile, _ run: FileWrites.Run) throws -> Bool {
    guard target.contains(offset: run.offset, count: run.count) else { return false }
    var offset = run.offset
    while offset < run.end {
      let end = min(run.end, offset + UInt64(chunk))
      guard
        try target.read(at: offset, count: Int(end - offset), what: "the target") == run.bytes(from: offset, to: end)
      else { return false }
      offset = end
    }
    return true
  }

  /// Whether `target` reads as `expected`; where `sourceFile` (the base) has a hole and no
  /// write lands, the target only needs to read as zeros.
  private static func matches(_ target: ImageFile, expected: ImageDraft, sourceFile: ImageFile?) throws -> Bool {
    guard target.size == expected.size else { return false }
    var offset: UInt64 = 0
    while offset < expected.size {
      let end = min(expected.size, offset + UInt64(chunk))
      if let sourceFile, isHole(sourceFile, from: offset, to: end), !expected.writes.touches(offset, end) {
        guard try holdsZeros(target, from: offset, to: end) else { return false }
      } else if let byte = expected.writes.repeatedByte(over: offset, end) {
        // A setup write's pattern: compared with the byte, not with a copy of the chunk.
        guard try target.read(at: offset, count: Int(end - offset), what: "the target").allSatisfy({ $0 == byte })
        else { return false }
      } else {
        let count = Int(end - offset)
        guard
          try target.read(at: offset, count: count, what: "the target")
            == expected.read(at: offset, count: count, what: "the result")
        else { return false }
      }
      offset = end
    }
    return true
  }

  /// Whether `file` has no data in `start..<end` (or past its end there).
  private static func isHole(_ file: ImageFile, from start: UInt64, to end: UInt64) -> Bool {
    guard start < file.size, let offset = off_t(exactly: start) else { return true }
    let data = lseek(file.descriptor.rawValue, offset, LinuxCalls.seekData)
    return data < 0 ? errno == ENXIO : UInt64(data) >= end
  }

  /// Whether `file` reads as zeros in `start..<end`, reading only its data regions.
  private static func holdsZeros(_ file: ImageFile, from start: UInt64, to end: UInt64) throws -> Bool {
    var offset = start
    while offset < min(end, file.size) {
      let stop = min(end, file.size, offset + UInt64(chunk))
      if !isHole(file, from: offset, to: stop) {
        guard try file.read(at: offset, count: Int(stop - offset), what: "the target").allSatisfy({ $0 == 0 })
        else { return false }
      }
      offset = stop
    }
    return true
  }
}

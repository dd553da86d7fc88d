extension ImageDraft {
  /// The deepest backing chain setup steps read through.
  static let backingDepthLimit = 16

  /// Applies setup `step` to the draft, as one QEMU 7.2 process leaves the image, and
  /// returns what it did. The image's backing file name resolves against `directory`;
  /// `open` opens a backing file by its resolved path. Fails, changing nothing, where QEMU
  /// refuses the step.
  public mutating func apply(
    _ step: SetupStep, directory: String, open: (String) throws -> any ImageSource
  ) throws -> SetupOutcome {
    let area = try HeaderArea(reading: self)
    let backing = try GuestBacking.open(below: area, directory: directory, open: open, depth: 0)
    var image = try GuestImage(draft: self, area: area, backing: backing)
    if let (offset, length) = step.range {
      guard length <= GuestImage.requestLimit else {
        throw QcowError("length cannot exceed \(GuestImage.requestLimit), given \(length) (qemu-io's limit)")
      }
      if case .writeCompressed = step, offset % 512 != 0 || length % 512 != 0 {
        throw QcowError("\(offset % 512 != 0 ? "offset \(offset)" : "length \(length)") is not sector-aligned")
      }
      let (end, overflow) = offset.addingReportingOverflow(length)
      guard !overflow, end <= image.geometry.virtualSize else {
        throw QcowError(
          "\(length) bytes at offset \(offset) run past the virtual size (\(image.geometry.virtualSize) bytes)")
      }
    }
    let before = image.refcounts.referencedCount
    switch step {
    case .write(let offset, let length, let pattern): try image.write(pattern: pattern, at: offset, length: length)
    case .writeZeroes(let offset, let length): try image.writeZeroes(at: offset, length: length)
    case .discard(let offset, let length): try image.discard(at: offset, length: length)
    case .writeCompressed(let offset, let length, let pattern):
      try image.writeCompressed(pattern: pattern, at: offset, length: length)
    case .snapshot(let name, let seconds, let nanoseconds):
      do {
        try image.createSnapshot(name: Array(name.utf8), seconds: seconds, nanoseconds: nanoseconds)
      } catch {
        throw QcowError("Could not create snapshot '\(name)': \(error)")
      }
    }
    let allocated = image.refcounts.referencedCount - before
    let lengthBefore = size
    self = try image.finish()
    return SetupOutcome(clustersAllocated: allocated, lengthBefore: lengthBefore, lengthAfter: size)
  }
}

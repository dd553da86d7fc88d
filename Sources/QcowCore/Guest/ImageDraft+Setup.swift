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

extension GuestBacking {
  /// The backing image named in `area`, opened with `open` (nil without a backing file): its
  /// format from the backing format extension, else probed by its magic, as QEMU does.
  static func open(
    below area: HeaderArea, directory: String, open: (String) throws -> any ImageSource, depth: Int
  ) throws -> GuestBacking? {
    guard let nameBytes = area.backingFileName, !nameBytes.isEmpty else { return nil }
    guard depth < ImageDraft.backingDepthLimit else {
      throw QcowError("the backing chain is deeper than \(ImageDraft.backingDepthLimit) images")
    }
    let name = String(decoding: nameBytes, as: UTF8.self)
    let path = name.hasPrefix("/") ? name : "\(directory)/\(name)"
    let file = try open(path)
    let format = area.extensions.last { $0.kind == .backingFormat }.map { String(decoding: $0.data, as: UTF8.self) }
    let magic = try file.readAvailable(at: 0, upTo: 4, what: "the backing file")
    let isQcow2 = format.map { $0 == "qcow2" } ?? (magic == [0x51, 0x46, 0x49, 0xfb])
    guard isQcow2 else {
      if let format, format != "raw" { throw QcowError("backing format '\(format)' is not supported (qcow2 or raw)") }
      return .raw(file)
    }
    let backingArea = try HeaderArea(reading: file)
    let backingDirectory = path.split(separator: "/", omittingEmptySubsequences: false).dropLast().joined(separator: "/")
    let below = try GuestBacking.open(below: backingArea, directory: backingDirectory, open: open, depth: depth + 1)
    return .qcow2(try GuestImage(reading: ImageDraft(base: file), area: backingArea, backing: below))
  }
}

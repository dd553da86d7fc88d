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
    let backingDirectory = path.split(separator: "/", omittingEmptySubsequences: false).dropLast().joined(
      separator: "/")
    let below = try GuestBacking.open(below: backingArea, directory: backingDirectory, open: open, depth: depth + 1)
    return .qcow2(try GuestImage(reading: ImageDraft(base: file), area: backingArea, backing: below))
  }
}

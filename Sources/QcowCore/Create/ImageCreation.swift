import Glibc

/// Creating an image file from options, as `qemu-img create` does.
public enum ImageCreation {
  /// The virtual size: the one given, else the backing image's (qcow2: its header; raw: its
  /// length rounded up to 512), looked up relative to the new image's directory.
  /// `pending` gives the size of images not written yet (made earlier in the same manifest).
  /// As qemu-img does, it opens a named backing image even when the size is given, and
  /// refuses one without a format.
  public static func resolveSize(
    _ options: CreateOptions, imagePath: String, pending: (String) -> UInt64? = { _ in nil }
  ) throws -> UInt64 {
    guard let backing = options.backingFile else {
      guard let size = options.size else { throw QcowError("Image creation needs a size parameter") }
      return size
    }
    if backing == imagePath {
      throw QcowError("Error: Trying to create an image with the same filename as the backing file")
    }
    if backing.isEmpty { throw QcowError("Expected backing file name, got empty string") }
    let directory = imagePath.lastIndex(of: "/").map { String(imagePath[...$0]) } ?? ""
    let path = backing.hasPrefix("/") ? backing : directory + backing
    if options.backingFormat == "qcow2", let size = pending(path) { return options.size ?? size }
    let file: ImageFile
    do {
      // First a plain open, whose error (strerror's text) is what qemu-img reports.
      try FileDescriptor.open(path, O_RDONLY).close()
      file = try ImageFile(path: path)
    } catch {
      throw QcowError("Could not open '\(path)': \(error)")
    }
    defer { file.close() }
    guard let format = options.backingFormat else {
      throw QcowError("Backing file specified without backing format")
    }
    switch format {
    case "qcow2":
      let magic = file.size < 4 ? [] : try file.read(at: 0, count: 4, what: "the magic")
      guard magic == [0x51, 0x46, 0x49, 0xfb] else { throw QcowError("Image is not in qcow2 format") }
      do {
        let size = try HeaderArea(reading: file).header[.size]
        return options.size ?? size
      } catch let error as QcowError {
        throw QcowError("Could not open '\(path)': \(error.message)")
      }
    case "raw": return options.size ?? (file.size + 511) & ~511
    default:
      guard let size = options.size else {
        throw QcowError("give the size: the size of a '\(format)' backing file is not read")
      }
      return size
    }
  }

  /// Lays out and writes the image (and creates its external data file, when it has one).
  public static func create(_ options: CreateOptions, size: UInt64, at path: String) throws {
    let layout = try ImageLayout(options: options, size: size)
    if let dataFile = options.dataFile {
      try ImageLayout.createDataFile(dataFile, size: layout.dataFileLength)
    }
    try layout.write(toPath: path)
  }
}

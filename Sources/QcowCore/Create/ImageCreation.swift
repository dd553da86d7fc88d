/// Creating an image file from options, as `qemu-img create` does.
public enum ImageCreation {
  /// The virtual size: the one given, else the backing image's (qcow2: its header; raw: its
  /// length rounded up to 512), looked up relative to the new image's directory.
  /// `pending` gives the size of images not written yet (made earlier in the same manifest).
  public static func resolveSize(
    _ options: CreateOptions, imagePath: String, pending: (String) -> UInt64? = { _ in nil }
  ) throws -> UInt64 {
    if let size = options.size { return size }
    guard let backing = options.backingFile else { throw QcowError("Image creation needs a size parameter") }
    if options.backingFormat == nil { throw QcowError("Backing file specified without backing format") }
    let directory = imagePath.lastIndex(of: "/").map { String(imagePath[...$0]) } ?? ""
    let path = backing.hasPrefix("/") ? backing : directory + backing
    if options.backingFormat == "qcow2", let size = pending(path) { return size }
    do {
      return try ImageFile.withFile(path) { file in
        switch options.backingFormat {
        case "qcow2": return try HeaderArea(reading: file).header[.size]
        case "raw": return (file.size + 511) & ~511
        default: throw QcowError("give the size: the size of a '\(options.backingFormat ?? "")' backing file is not read")
        }
      }
    } catch let error as QcowError {
      throw QcowError("Could not open backing image '\(backing)': \(error.message)")
    }
  }

  /// Lays out and writes the image (and creates its external data file, when it has one).
  public static func create(_ options: CreateOptions, size: UInt64, at path: String) throws {
    let layout = try ImageLayout(options: options, size: size)
    if let dataFile = options.dataFile {
      try ImageLayout.createDataFile(dataFile, size: layout.virtualSize)
    }
    try layout.write(toPath: path)
  }
}

import ArgumentParser
import Glibc
import QcowCore

/// `qcow-batch create [-o OPTIONS] [-b BACKING -F FMT] FILE [SIZE]`: `qemu-img create -f qcow2`,
/// byte for byte.
struct CreateCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "create",
    abstract: "Create a qcow2 image byte-identical to what qemu-img create -f qcow2 writes (QEMU 7.2).",
    discussion: """
      Options as qemu-img's -o: compat (0.10, v2, 1.1, v3), cluster_size, lazy_refcounts, extended_l2, \
      compression_type (zlib, zstd), refcount_bits, backing_file, backing_fmt, data_file, data_file_raw. \
      Sizes take k, M, G, T, P and E suffixes. Without SIZE, the backing image's size is used.
      """
  )

  @Option(name: .customShort("f"), help: "The format; only qcow2.")
  var format = "qcow2"

  @Option(name: .customShort("o"), help: "Comma-separated name=value options, as qemu-img takes them.")
  var options: [String] = []

  @Option(name: .customShort("b"), help: "The backing file, stored as given.", completion: .file())
  var backingFile: String?

  @Option(name: .customShort("F"), help: "The backing file's format.")
  var backingFormat: String?

  @Flag(name: .customShort("q"), help: "Print nothing on success.")
  var quiet = false

  @Argument(help: "The image to create.", completion: .file())
  var file: String

  @Argument(help: "The virtual size, e.g. 64M.")
  var size: String?

  func run() throws {
    guard format == "qcow2" else { throw ValidationError("only -f qcow2 is supported") }
    var settings = CreateOptions()
    // qemu-img reads SIZE first and reports it without the file name.
    let sizeBytes = try size.map(QemuSize.imageSize)
    do {
      for text in options { try settings.set(optionText: text) }
      if let sizeBytes {
        guard settings.size == nil else { throw QcowError("The image size must be specified only once") }
        settings.size = sizeBytes
      }
      if let backingFile { try settings.set("backing_file", backingFile) }
      if let backingFormat { try settings.set("backing_fmt", backingFormat) }
    } catch let error as QcowError {
      throw QcowError("\(file): \(error.message)")
    }
    do {
      let virtualSize = try ImageCreation.resolveSize(settings, imagePath: file)
      if !quiet { print(settings.formattingLine(file: file, size: virtualSize)) }
      try ImageCreation.create(settings, size: virtualSize, at: file)
    } catch let error as QcowError {
      throw QcowError("\(file): \(error.message)")
    }
  }
}

import Foundation
import QcowCore
import Testing

/// A qcow2 image made by `qemu-img` in a fresh temporary directory.
struct ScratchImage {
  /// The temporary directory holding the image (and its backing or data file).
  let directory: URL
  /// The image's path.
  let path: String

  /// Creates an image of `kind` (64 MiB, or the 1 MiB base's size for backed images).
  static func create(_ kind: ImageKind) throws -> ScratchImage {
    let directory = FileManager.default.temporaryDirectory
      .appendingPathComponent("qcow-core-tests-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    let image = ScratchImage(directory: directory, path: directory.appendingPathComponent("image.qcow2").path)
    do {
      if kind.hasBacking {
        try image.qemuImg(["create", "-q", "-f", "qcow2", "base.qcow2", "1M"])
        try image.qemuImg(["create", "-q", "-f", "qcow2"] + kind.createOptions + ["image.qcow2"])
      } else {
        try image.qemuImg(["create", "-q", "-f", "qcow2"] + kind.createOptions + ["image.qcow2", "64M"])
      }
      if kind == .bitmaps {
        try image.qemuImg(["bitmap", "--add", "image.qcow2", "bitmap0"])
      }
    } catch {
      image.remove()
      throw error
    }
    return image
  }

  /// Runs qemu-img in the image's directory; fails unless it exits with status 0.
  private func qemuImg(_ arguments: [String]) throws {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    process.arguments = ["qemu-img"] + arguments
    process.currentDirectoryURL = directory
    // Messages go to a file rather than a pipe: nothing has to be read while qemu-img runs.
    let log = directory.appendingPathComponent("qemu-img.log")
    guard FileManager.default.createFile(atPath: log.path, contents: nil) else {
      throw QcowError("cannot create \(log.path)")
    }
    let output = try FileHandle(forWritingTo: log)
    defer { try? output.close() }
    process.standardOutput = output
    process.standardError = output
    try process.run()
    process.waitUntilExit()
    guard process.terminationStatus == 0 else {
      let message = (try? String(contentsOf: log, encoding: .utf8)) ?? ""
      throw QcowError("qemu-img \(arguments.joined(separator: " ")) failed: \(message)")
    }
  }

  /// Deletes the directory and everything in it.
  func remove() {
    try? FileManager.default.removeItem(at: directory)
  }

  /// The whole file.
  func contents() throws -> [UInt8] {
    [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
  }

  /// Stores `patches` in the file.
  func store(_ patches: [Patch]) throws {
    var bytes = try contents()
    for patch in patches {
      try patch.apply(to: &bytes)
    }
    try Data(bytes).write(to: URL(fileURLWithPath: path))
  }

  /// The header area read from the file.
  func readArea() throws -> HeaderArea {
    try ImageFile.withFile(path) { try HeaderArea(reading: $0) }
  }

  /// The checked writes that store `area` over the file as it is now.
  func encoded(_ area: HeaderArea) throws -> FileWrites {
    try ImageFile.withFile(path) { try area.encoded(over: $0) }
  }

  /// Writes `area` to the file.
  func write(_ area: HeaderArea) throws {
    try ImageFile.withFile(path, writable: true) { try area.write(to: $0) }
  }
}

import Foundation
import Testing

/// A temporary tree for the manifest tests: `ws/`, the manifest's directory, holds a fixed
/// set of images made by qemu-img and the files the manifests name; `elsewhere/` is an
/// empty directory to run qcow-batch from, so that relative paths must resolve against the
/// manifest's directory and not the working directory.
struct ManifestWorkspace {
  /// The manifest's file name inside `directory`.
  static let manifestName = "m.yaml"
  /// Replaced by the canonical path of the manifest's directory in manifests and messages.
  static let directoryPlaceholder = "{dir}"
  /// The text of `payloads/hello.bin`.
  static let payload = "payload bytes\n"

  /// Holds `ws/` and `elsewhere/`; removed by `remove()`.
  let root: URL
  /// The manifest's directory, `root/ws`, with symlinks resolved.
  let directory: URL
  /// An empty directory beside `directory`.
  let elsewhere: URL

  /// Makes the tree every manifest table may refer to, relative to `directory`:
  /// - `templates/base.qcow2`: 64 MiB, 64 KiB clusters, with QEMU's feature table
  /// - `templates/small-512.qcow2`: 1 MiB, 512-byte clusters, no header extension
  /// - `templates/lazy.qcow2`: 64 MiB with lazy refcounts (compatible bit 0)
  /// - `templates/bad-magic.qcow2`, `templates/cluster-bits-22.qcow2`: copies of `base.qcow2`
  ///   with magic 0x12345678 and with cluster_bits 22 (4 MiB clusters, which QEMU refuses)
  /// - `templates/corrupt.qcow2`, `templates/unknown-feature.qcow2`, `templates/encrypted.qcow2`:
  ///   copies of `base.qcow2` with the corrupt bit, incompatible bit 63, crypt_method 1;
  ///   `templates/dirty.qcow2`: `lazy.qcow2` with the dirty bit; `templates/one-cluster.qcow2`:
  ///   64 MiB with the first cluster written, and `templates/l2-past-end.qcow2`, a copy whose
  ///   L2 entry for it points at 0x10000000, past the end of the file
  /// - `templates/written.qcow2`: 64 MiB with the first cluster written (L2 table 0x40000, data
  ///   0x50000), then snapshot `sn1` (L1 copy 0x60000, table 0x70000) and bitmap `b0`
  /// - `images/existing.qcow2`: an image to edit in place
  /// - `payloads/hello.bin`: `payload`; `empty.raw`: an empty file
  /// - `not-qcow2.raw`: a raw image of zeros
  /// - `sub/`, `out/`: empty directories; `locked/`: an empty directory with mode 0555
  /// - `link.qcow2` → `images/existing.qcow2`, `outlink` → `out`: symlinks
  init() throws {
    try self.init(copying: nil)
    let files = FileManager.default
    for name in ["templates", "images", "payloads", "sub", "out", "locked"] {
      try files.createDirectory(at: directory.appendingPathComponent(name), withIntermediateDirectories: true)
    }
    try qemuImg(["create", "-q", "-f", "qcow2", "templates/base.qcow2", "64M"])
    try qemuImg(["create", "-q", "-f", "qcow2", "-o", "cluster_size=512", "templates/small-512.qcow2", "1M"])
    try qemuImg(["create", "-q", "-f", "qcow2", "-o", "lazy_refcounts=on", "templates/lazy.qcow2", "64M"])
    try qemuImg(["create", "-q", "-f", "qcow2", "images/existing.qcow2", "64M"])
    try qemuImg(["create", "-q", "-f", "qcow2", "templates/written.qcow2", "64M"])
    try expectSuccess(
      TestSupport.tool("qemu-io", ["-c", "write 0 64k", "templates/written.qcow2"], directory: directory), "qemu-io")
    try qemuImg(["snapshot", "-c", "sn1", "templates/written.qcow2"])
    try qemuImg(["bitmap", "--add", "templates/written.qcow2", "b0"])
    try poked("templates/base.qcow2", "templates/bad-magic.qcow2", at: 0, [0x12, 0x34, 0x56, 0x78])
    try poked("templates/base.qcow2", "templates/cluster-bits-22.qcow2", at: 20, [0, 0, 0, 22])
    // For setup steps, which open images read-write as QEMU does.
    try poked("templates/base.qcow2", "templates/corrupt.qcow2", at: 79, [0x02])
    try poked("templates/base.qcow2", "templates/unknown-feature.qcow2", at: 72, [0x80])
    try poked("templates/base.qcow2", "templates/encrypted.qcow2", at: 35, [0x01])
    try poked("templates/lazy.qcow2", "templates/dirty.qcow2", at: 79, [0x01])
    try qemuImg(["create", "-q", "-f", "qcow2", "templates/one-cluster.qcow2", "64M"])
    try expectSuccess(
      TestSupport.tool("qemu-io", ["-c", "write 0 64k", "templates/one-cluster.qcow2"], directory: directory), "qemu-io"
    )
    try poked(
      "templates/one-cluster.qcow2", "templates/l2-past-end.qcow2", at: 0x40000, [0x80, 0, 0, 0, 0x10, 0, 0, 0])
    try qemuImg(["create", "-q", "-f", "raw", "not-qcow2.raw", "1M"])
    try write("payloads/hello.bin", ManifestWorkspace.payload)
    try write("empty.raw", "")
    try files.createSymbolicLink(atPath: path("link.qcow2"), withDestinationPath: "images/existing.qcow2")
    try files.createSymbolicLink(atPath: path("outlink"), withDestinationPath: "out")
    // Readable by the unprivileged user some cases run as; `locked/` stays unwritable.
    try expectSuccess(TestSupport.tool("chmod", ["-R", "a+rX", root.path]), "chmod")
    try files.setAttributes([.posixPermissions: 0o555], ofItemAtPath: path("locked"))
  }

  /// A tree whose manifest directory is a copy of `source` (empty when nil).
  init(copying source: URL?) throws {
    root = try TestSupport.makeTemporaryDirectory("qcow-batch-manifest").resolvingSymlinksInPath()
    directory = root.appendingPathComponent("ws")
    elsewhere = root.appendingPathComponent("elsewhere")
    try FileManager.default.createDirectory(at: elsewhere, withIntermediateDirectories: true)
    if let source {
      try expectSuccess(TestSupport.tool("cp", ["-R", source.path, directory.path]), "cp")
    } else {
      try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    }
  }

  /// The absolute path of `relative`, a path inside `directory`.
  func path(_ relative: String) -> String {
    directory.appendingPathComponent(relative).path
  }

  /// Writes `text` to `relative`, replacing the placeholder with the directory's path; the file
  /// is readable by everyone whatever the umask, for the cases that run unprivileged.
  func write(_ relative: String, _ text: String) throws {
    let resolved = text.replacingOccurrences(of: ManifestWorkspace.directoryPlaceholder, with: directory.path)
    try Data(resolved.utf8).write(to: directory.appendingPathComponent(relative))
    try FileManager.default.setAttributes([.posixPermissions: 0o644], ofItemAtPath: path(relative))
  }

  /// Copies `source` to `copy` with `bytes` stored at `offset`.
  private func poked(_ source: String, _ copy: String, at offset: Int, _ bytes: [UInt8]) throws {
    var data = try Data(contentsOf: directory.appendingPathComponent(source))
    data.replaceSubrange(offset..<offset + bytes.count, with: bytes)
    try data.write(to: directory.appendingPathComponent(copy))
  }

  /// Writes the manifest.
  func writeManifest(_ text: String) throws {
    try write(ManifestWorkspace.manifestName, text)
  }

  /// Removes the whole tree.
  func remove() {
    try? FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: path("locked"))
    try? FileManager.default.removeItem(at: root)
  }

  /// Runs qemu-img in the manifest's directory and fails on a non-zero exit.
  func qemuImg(_ arguments: [String]) throws {
    try expectSuccess(TestSupport.tool("qemu-img", arguments, directory: directory), "qemu-img")
  }

  /// Runs `qcow-batch` on the manifest: from the manifest's directory with the bare name,
  /// or from `elsewhere` with a path through `..`; as an unprivileged user when asked (when
  /// the tests run as root, which ignores directory permissions).
  func qcowBatch(
    _ arguments: [String], manifest name: String = manifestName, fromElsewhere: Bool = false,
    unprivileged: Bool = false
  ) throws -> ProcessResult {
    let manifest = fromElsewhere ? "../ws/\(name)" : name
    let cwd = fromElsewhere ? elsewhere : directory
    guard unprivileged, getuid() == 0 else {
      return try TestSupport.qcowBatch(arguments + [manifest], directory: cwd)
    }
    let drop = ["--reuid=65534", "--regid=65534", "--clear-groups", TestSupport.binary.path]
    return try TestSupport.run(URL(fileURLWithPath: "/usr/bin/setpriv"), drop + arguments + [manifest], directory: cwd)
  }

  /// Every entry under `root` (`TestSupport.snapshot`): equal snapshots mean nothing was
  /// written, created or removed.
  func snapshot() throws -> [String: String] {
    try TestSupport.snapshot(root)
  }
}

/// Records a failure with the tool's output when `result` is not a clean exit.
func expectSuccess(_ result: ProcessResult, _ what: String) throws {
  #expect(result.status == 0 && !result.crashed, "\(what) failed: \(result.err)")
  if result.status != 0 { throw ManifestTestError("\(what) exited \(result.status)") }
}

/// A failure in a test's own setup.
struct ManifestTestError: Error, CustomStringConvertible {
  let description: String
  init(_ description: String) { self.description = description }
}

/// A header extension as stored in an image.
struct StoredExtension: Equatable, CustomStringConvertible {
  let magic: UInt32
  let data: [UInt8]

  var description: String { "0x\(String(magic, radix: 16)) (\(data.count) bytes)" }
}

/// Reads an image's header without qcow-batch, as an independent check of what it wrote.
enum StoredHeader {
  /// The header fields, as `qcow-batch qcow2 IMAGE dump-header -j` names them.
  static func fields(_ image: String) throws -> [String: UInt64] {
    let result = try TestSupport.qcowBatch(["qcow2", image, "dump-header", "-j"])
    try expectSuccess(result, "dump-header")
    // Like qcow2.py, dump-header -j prints the header object, a blank line, then the extensions.
    let header = result.out.components(separatedBy: "\n\n").first ?? ""
    guard let object = try JSONSerialization.jsonObject(with: Data(header.utf8)) as? [String: Any] else {
      throw ManifestTestError("dump-header -j printed no JSON object")
    }
    return try object.mapValues { try unsigned($0) }
  }

  /// A JSON number as UInt64, whether JSONSerialization made it a signed or unsigned one.
  static func unsigned(_ value: Any) throws -> UInt64 {
    guard let number = value as? NSNumber else { throw ManifestTestError("\(value) is not a number") }
    if let exact = value as? UInt64 { return exact }
    return number.uint64Value
  }

  /// The header extensions, parsed from the bytes after `header_length` up to the end marker.
  static func extensions(_ image: String) throws -> [StoredExtension] {
    let bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: image)))
    func word(_ offset: Int) throws -> UInt32 {
      guard offset >= 0, offset + 4 <= bytes.count else { throw ManifestTestError("header runs past the file") }
      return bytes[offset..<offset + 4].reduce(0) { $0 << 8 | UInt32($1) }
    }
    let version = try word(4)
    var offset = version >= 3 ? Int(try word(100)) : 72
    var result: [StoredExtension] = []
    while true {
      let magic = try word(offset)
      if magic == 0 { return result }
      let length = Int(try word(offset + 4))
      guard offset + 8 + length <= bytes.count, result.count < 1000 else {
        throw ManifestTestError("header extension at \(offset) runs past the file")
      }
      result.append(StoredExtension(magic: magic, data: Array(bytes[offset + 8..<offset + 8 + length])))
      offset += 8 + (length + 7) / 8 * 8
    }
  }
}

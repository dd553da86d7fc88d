import Foundation
import Glibc

// The scratch directories, manifests and runs the end-to-end apply tests share.

/// One image entry of a test manifest.
struct ApplyEntry: Sendable {
  /// The target, relative to the manifest.
  let path: String
  /// The image to copy first, relative to the manifest.
  var from: String? = nil
  /// The `create` options as a YAML flow mapping, e.g. `{size: 1M}`, instead of `from`.
  var create: String? = nil
  /// Setup steps as YAML flow mappings, e.g. `write: {offset: 0, length: 64k}`.
  var setup: [String] = []
  /// `expect` lines, e.g. `version: 3`.
  var expect: [String] = []
  /// Edits as YAML flow mappings, e.g. `set-feature-bit: {group: compatible, bit: 0}`.
  var edits: [String] = []
}

/// Edits whose effect the tests can see in the image's bytes.
enum ApplyEdit {
  /// Sets compatible bit 0 (lazy refcounts): bit 0 of the word at offset 80.
  static let lazyRefcounts = "set-feature-bit: {group: compatible, bit: 0}"
  /// Sets incompatible bit 1 (corrupt): bit 1 of the word at offset 72.
  static let corruptBit = "set-feature-bit: {group: incompatible, bit: 1}"

  /// Adds an unknown header extension holding `text`.
  static func mark(_ text: String, magic: UInt32 = 0x1234_5678) -> String {
    "add-header-ext: {magic: 0x\(String(magic, radix: 16)), data: \"\(text)\"}"
  }
}

/// A target's bytes and inode, or its absence.
struct TargetState: Equatable, CustomStringConvertible {
  let bytes: Data?
  let inode: UInt64?

  /// The state of the file at `path`, following symlinks.
  init(_ path: String) {
    bytes = FileManager.default.contents(atPath: path)
    var status = stat()
    inode = stat(path, &status) == 0 ? UInt64(status.st_ino) : nil
  }

  var description: String {
    guard let bytes, let inode else { return "absent" }
    return "\(bytes.count) bytes, inode \(inode)"
  }
}

/// A scratch directory holding the images and manifests of one test.
struct ApplyScratch {
  /// The directory.
  let root: URL
  /// Where background processes write their output (no `.qcow-batch-` names there).
  let logs: URL

  init(_ label: String) throws {
    root = try TestSupport.makeTemporaryDirectory("qcow-batch-txn-\(label)")
    logs = root.appendingPathComponent("logs")
    try FileManager.default.createDirectory(at: logs, withIntermediateDirectories: true)
  }

  /// The absolute path of `name` in the scratch directory.
  func path(_ name: String) -> String { root.appendingPathComponent(name).path }

  /// Creates the directory `name` and its parents.
  func directory(_ name: String) throws {
    try FileManager.default.createDirectory(atPath: path(name), withIntermediateDirectories: true)
  }

  /// Copies `manifests/templates/TEMPLATE` to `name`, replacing what is there.
  func image(_ name: String, template: String = "base.qcow2") throws {
    let source = TestSupport.packageRoot.appendingPathComponent("manifests/templates/\(template)").path
    try? FileManager.default.removeItem(atPath: path(name))
    try FileManager.default.copyItem(atPath: source, toPath: path(name))
  }

  /// Writes the manifest `name` listing `entries`; returns its absolute path.
  func manifest(_ name: String, _ entries: [ApplyEntry]) throws -> String {
    try ApplyScratch.manifestText(entries).write(toFile: path(name), atomically: false, encoding: .utf8)
    return path(name)
  }

  /// The text of a manifest listing `entries`.
  static func manifestText(_ entries: [ApplyEntry]) -> String {
    var text = "version: 1\nimages:\n"
    for entry in entries {
      text += "  - path: \"\(entry.path)\"\n"
      if let from = entry.from { text += "    from: \"\(from)\"\n" }
      if let create = entry.create { text += "    create: \(create)\n" }
      if !entry.setup.isEmpty { text += "    setup:\n" + entry.setup.map { "      - \($0)\n" }.joined() }
      if !entry.expect.isEmpty { text += "    expect:\n" + entry.expect.map { "      \($0)\n" }.joined() }
      if !entry.edits.isEmpty { text += "    edits:\n" + entry.edits.map { "      - \($0)\n" }.joined() }
    }
    return text
  }

  /// The states of `names`, in order.
  func states(_ names: [String]) -> [TargetState] { names.map { TargetState(path($0)) } }

  /// Every name under the root that marks a staged temporary file or a backup link.
  func leftovers() -> [String] {
    let all = (try? FileManager.default.subpathsOfDirectory(atPath: root.path)) ?? ["<unreadable>.qcow-batch-"]
    return all.filter { $0.contains(".qcow-batch-") }.sorted()
  }

  /// The bytes of every file under the root (but the logs), by path relative to it.
  func files() -> [String: Data] {
    let names = (try? FileManager.default.subpathsOfDirectory(atPath: root.path)) ?? []
    var contents: [String: Data] = [:]
    for name in names where !name.hasPrefix("logs") {
      var isDirectory: ObjCBool = false
      if FileManager.default.fileExists(atPath: path(name), isDirectory: &isDirectory), !isDirectory.boolValue {
        contents[name] = FileManager.default.contents(atPath: path(name))
      }
    }
    return contents
  }

  /// The 64-bit big-endian header word at `offset` of image `name`.
  func word(_ name: String, at offset: Int) -> UInt64 {
    guard let bytes = FileManager.default.contents(atPath: path(name)), bytes.count >= offset + 8 else { return 0 }
    return bytes[offset..<offset + 8].reduce(0) { $0 << 8 | UInt64($1) }
  }

  /// Whether the first cluster of image `name` contains `text` (a header extension's data).
  func headerContains(_ name: String, _ text: String) -> Bool {
    guard let handle = FileHandle(forReadingAtPath: path(name)) else { return false }
    defer { try? handle.close() }
    let head = (try? handle.read(upToCount: 65536)) ?? Data()
    return head.range(of: Data(text.utf8)) != nil
  }

  /// Whether image `name` has lazy refcounts (compatible bit 0) set.
  func hasLazyRefcounts(_ name: String) -> Bool { word(name, at: 80) & 1 != 0 }

  /// Whether image `name` has the corrupt bit (incompatible bit 1) set.
  func hasCorruptBit(_ name: String) -> Bool { word(name, at: 72) & 2 != 0 }

  /// The mode bits of `name`, following symlinks.
  func mode(_ name: String) -> mode_t {
    var status = stat()
    return stat(path(name), &status) == 0 ? status.st_mode & 0o7777 : 0
  }

  /// Runs `qemu-img ARGUMENTS` in the scratch directory.
  func qemuImg(_ arguments: [String]) throws -> ProcessResult {
    try TestSupport.tool("qemu-img", arguments, directory: root)
  }

  /// Removes the scratch directory.
  func remove() { try? FileManager.default.removeItem(at: root) }
}

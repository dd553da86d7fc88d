import Glibc
import QcowCore

// libFuzzer target over the manifest loader. Each input is written as `manifest.yaml` in a
// private sandbox directory and loaded with `ManifestLoader.load`; a manifest that loads is
// planned with `Planner.plan` (which only reads: `create` entries are laid out in memory)
// and both plan reports are rendered. The sandbox holds small images and a payload for the
// manifests to name. Diagnostics are expected results, while traps and AddressSanitizer
// reports are findings. Built and run by `scripts/fuzz`.
//
// Loading and planning open the paths a manifest names. So that no input can make them open
// anything outside the sandbox (a device, a FIFO, /proc), an input that could spell a path
// with a slash (a `/` byte, or one of YAML's escapes `\/`, `\x`, `\u`, `\U`) is only parsed
// as YAML: every other path is one name inside the sandbox, or `.` or `..`.

/// The private directory the manifests are loaded from; removed at exit. Besides the
/// manifest it holds `payload.bin` and copies of header seeds (`Sandbox.images`);
/// FuzzRegressionTests builds the same directory to replay findings through qcow-batch.
struct Sandbox: Sendable {
  /// The directory's path.
  let directory: String
  /// The manifest file each input is written to.
  let manifest: String
  /// The images, by sandbox name, as names in Fuzz/Corpus/header.
  static let images = [
    "base.qcow2": "v3-backing.qcow2", "old.qcow2": "v2.qcow2", "lazy.qcow2": "v3-4k-lazy.qcow2",
    "bitmaps.qcow2": "v3-bitmaps.qcow2",
  ]
  /// The contents of `payload.bin`.
  static let payload = "payload bytes\n"
  /// Where the header seeds are: beside this file, as it was named to the compiler.
  static let seeds: String = {
    let file = "\(#filePath)"
    return (file.lastIndex(of: "/").map { String(file[..<$0]) } ?? ".") + "/Corpus/header"
  }()

  /// Creates the directory under `$TMPDIR` (else /tmp) with its files; exits when that fails.
  init() {
    let parent = getenv("TMPDIR").map { String(cString: $0) } ?? "/tmp"
    var template = Array((parent + "/qcow-fuzz-manifest-XXXXXX").utf8CString)
    let created = template.withUnsafeMutableBufferPointer { buffer in
      buffer.baseAddress.flatMap { mkdtemp($0) }.map { String(cString: $0) }
    }
    guard let created else {
      Sandbox.fail("cannot create a sandbox directory in \(parent)")
    }
    directory = created
    manifest = created + "/manifest.yaml"
    for (name, seed) in Sandbox.images {
      Sandbox.write(Sandbox.read(Sandbox.seeds + "/" + seed), to: name, in: created)
    }
    Sandbox.write(Array(Sandbox.payload.utf8), to: "payload.bin", in: created)
    Sandbox.write([], to: "manifest.yaml", in: created)
  }

  /// The contents of the file at `path`; exits when it cannot be read.
  static func read(_ path: String) -> [UInt8] {
    let descriptor = open(path, O_RDONLY | O_CLOEXEC)
    guard descriptor >= 0 else { fail("cannot open \(path)") }
    defer { close(descriptor) }
    var bytes: [UInt8] = []
    var chunk = [UInt8](repeating: 0, count: 65536)
    while true {
      let count = chunk.withUnsafeMutableBytes { Glibc.read(descriptor, $0.baseAddress, $0.count) }
      if count < 0 && errno == EINTR { continue }
      guard count >= 0 else { fail("cannot read \(path)") }
      if count == 0 { return bytes }
      bytes += chunk[0..<count]
    }
  }

  /// Writes `bytes` as the file `name` of `directory`, replacing it; exits when that fails.
  static func write(_ bytes: [UInt8], to name: String, in directory: String) {
    let path = directory + "/" + name
    let descriptor = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
    guard descriptor >= 0 else { fail("cannot create \(path)") }
    defer { close(descriptor) }
    var done = 0
    while done < bytes.count {
      let written = bytes.withUnsafeBytes { raw in
        raw.baseAddress.map { Glibc.write(descriptor, $0 + done, raw.count - done) } ?? -1
      }
      if written < 0 && errno == EINTR { continue }
      guard written > 0 else { fail("cannot write \(path)") }
      done += written
    }
  }

  /// Reports `problem` and exits.
  static func fail(_ problem: String) -> Never {
    perror("ManifestFuzzer: \(problem)")
    exit(2)
  }

  /// Removes the sandbox's files and directory.
  func remove() {
    for name in Array(Sandbox.images.keys) + ["payload.bin", "manifest.yaml"] {
      _ = unlink(directory + "/" + name)
    }
    _ = rmdir(directory)
  }
}

/// The sandbox, created on the first input.
let sandbox: Sandbox = {
  let created = Sandbox()
  atexit { removeSandbox() }
  return created
}()

/// Removes the sandbox; run at exit.
func removeSandbox() {
  sandbox.remove()
}

@_cdecl("LLVMFuzzerTestOneInput")
public func manifestFuzzerTestOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
  let bytes = Array(UnsafeBufferPointer(start: data, count: data == nil ? 0 : size))
  guard staysInSandbox(bytes) else {
    do {
      _ = try YAMLLoader.load(bytes)
      emit("parsed as YAML only: the input could name a path outside the sandbox")
    } catch {
      emit(error.message)
    }
    return 0
  }
  Sandbox.write(bytes, to: "manifest.yaml", in: sandbox.directory)
  switch ManifestLoader.load(sandbox.manifest) {
  case .success(let manifest):
    let report = PlanReport(plan: Planner.plan(manifest))
    emit(report.text())
    emit(report.json().rendered())
  case .failure(let list):
    for diagnostic in list.diagnostics {
      emit(diagnostic.rendered(file: "manifest.yaml"))
    }
  }
  return 0
}

/// Whether no path in `bytes` can hold a slash: no `/` byte, and none of YAML's escapes that
/// can produce one (`\/`, `\x`, `\u`, `\U`).
func staysInSandbox(_ bytes: [UInt8]) -> Bool {
  let slash = UInt8(ascii: "/")
  let backslash = UInt8(ascii: "\\")
  let escapes: Set<UInt8> = [slash, UInt8(ascii: "x"), UInt8(ascii: "u"), UInt8(ascii: "U")]
  var afterBackslash = false
  for byte in bytes {
    if byte == slash || (afterBackslash && escapes.contains(byte)) { return false }
    afterBackslash = byte == backslash && !afterBackslash
  }
  return true
}

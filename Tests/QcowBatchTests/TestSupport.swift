import Foundation

/// The result of running a process to completion.
struct ProcessResult {
  let status: Int32
  let stdout: Data
  let stderr: Data
  /// Whether the process ended by a signal (a crash) rather than exiting.
  let crashed: Bool

  var out: String { String(decoding: stdout, as: UTF8.self) }
  var err: String { String(decoding: stderr, as: UTF8.self) }
}

/// Paths and helpers shared by the end-to-end tests.
enum TestSupport {
  /// The package's root directory.
  static let packageRoot = URL(fileURLWithPath: #filePath)
    .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

  /// The fixtures directory of this test target.
  static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
    .appendingPathComponent("Fixtures")

  /// The built `qcow-batch` binary, beside the test bundle.
  static let binary: URL = {
    var directory = Bundle.main.bundleURL
    for _ in 0..<4 {
      let candidate = directory.appendingPathComponent("qcow-batch")
      if FileManager.default.isExecutableFile(atPath: candidate.path) { return candidate }
      directory = directory.deletingLastPathComponent()
    }
    return packageRoot.appendingPathComponent(".build/debug/qcow-batch")
  }()

  /// Runs `executable` with `arguments`, feeding `stdin`, and waits for it.
  static func run(
    _ executable: URL, _ arguments: [String], stdin: Data? = nil, directory: URL? = nil
  ) throws -> ProcessResult {
    let outPipe = Pipe()
    let errPipe = Pipe()
    let inPipe = Pipe()
    let process = try launch {
      let process = Process()
      process.executableURL = executable
      process.arguments = arguments
      if let directory { process.currentDirectoryURL = directory }
      process.standardOutput = outPipe
      process.standardError = errPipe
      process.standardInput = inPipe
      return process
    }
    // Read both pipes concurrently so neither fills up and blocks the child.
    nonisolated(unsafe) var errData = Data()
    let group = DispatchGroup()
    group.enter()
    DispatchQueue.global().async {
      errData = errPipe.fileHandleForReading.readDataToEndOfFile()
      group.leave()
    }
    // The child may exit without reading its input: a broken pipe is not the test's failure.
    signal(SIGPIPE, SIG_IGN)
    if let stdin { try? inPipe.fileHandleForWriting.write(contentsOf: stdin) }
    try? inPipe.fileHandleForWriting.close()
    let outData = outPipe.fileHandleForReading.readDataToEndOfFile()
    group.wait()
    process.waitUntilExit()
    return ProcessResult(
      status: process.terminationStatus, stdout: outData, stderr: errData,
      crashed: process.terminationReason == .uncaughtSignal)
  }

  /// Starts a process made by `make`, with a new one for each of up to three attempts when the
  /// launch itself fails (a transient EAGAIN from fork on a busy machine is not the test's
  /// failure); the last attempt's error is thrown.
  private static func launch(_ make: () -> Process) throws -> Process {
    for _ in 1..<3 {
      let process = make()
      if (try? process.run()) != nil { return process }
      usleep(200_000)
    }
    let process = make()
    try process.run()
    return process
  }

  /// Runs the built `qcow-batch` with `arguments`.
  static func qcowBatch(_ arguments: [String], stdin: Data? = nil, directory: URL? = nil) throws -> ProcessResult {
    try run(binary, arguments, stdin: stdin, directory: directory)
  }

  /// Runs a tool found on PATH (qemu-img, sha256sum, ...).
  static func tool(_ name: String, _ arguments: [String], directory: URL? = nil) throws -> ProcessResult {
    try run(URL(fileURLWithPath: "/usr/bin/env"), [name] + arguments, directory: directory)
  }

  /// A new empty directory under the system's temporary directory.
  static func makeTemporaryDirectory(_ label: String = "qcow-batch-tests") throws -> URL {
    let url = FileManager.default.temporaryDirectory
      .appendingPathComponent("\(label)-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    return url
  }

  /// `path` with every symlink resolved, or nil when it does not exist.
  static func canonical(_ path: String) -> String? {
    realpath(path, nil).map { pointer in
      defer { free(pointer) }
      return String(cString: pointer)
    }
  }

  /// The sha256 of the file at `url`, in hex, computed by `sha256sum`.
  static func sha256(_ url: URL) throws -> String {
    let result = try tool("sha256sum", [url.path])
    return String(result.out.prefix(64))
  }

  /// Every entry under `root`, by path relative to it: type, mode, symlink target, and for
  /// regular files their sha256.
  static func snapshot(_ root: URL) throws -> [String: String] {
    let listing = try tool("find", [".", "-mindepth", "1", "-printf", "%P\\t%y %m %l\\n"], directory: root)
    try expectSuccess(listing, "find")
    var entries: [String: String] = [:]
    for line in listing.out.split(separator: "\n") {
      let parts = line.split(separator: "\t", maxSplits: 1).map(String.init)
      guard let name = parts.first else { continue }
      entries[name] = parts.dropFirst().first ?? ""
    }
    let files = entries.filter { $0.value.hasPrefix("f ") }.keys.sorted()
    let sums = try tool("sha256sum", ["--"] + files, directory: root)
    try expectSuccess(sums, "sha256sum")
    for line in sums.out.split(separator: "\n") {
      let hash = String(line.prefix(64))
      let name = String(line.dropFirst(66))
      entries[name, default: ""] += hash
    }
    return entries
  }
}

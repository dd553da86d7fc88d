import Foundation
import Glibc

/// A process running in the background, its output going to files.
final class BackgroundProcess {
  let process = Process()
  private let output: URL
  private let errors: URL
  private let input = Pipe()

  /// Starts `executable` with `arguments`; standard input is a pipe kept open until `closeInput()`.
  init(_ executable: URL, _ arguments: [String], logs: URL, name: String) throws {
    output = logs.appendingPathComponent("\(name).out")
    errors = logs.appendingPathComponent("\(name).err")
    for log in [output, errors] where !FileManager.default.createFile(atPath: log.path, contents: nil) {
      throw ApplyTestError(description: "cannot create \(log.path)")
    }
    process.executableURL = executable
    process.arguments = arguments
    process.standardOutput = try FileHandle(forWritingTo: output)
    process.standardError = try FileHandle(forWritingTo: errors)
    process.standardInput = input
    try process.run()
  }

  /// Starts `qcow-batch apply MANIFEST`.
  static func apply(_ manifest: String, logs: URL, name: String) throws -> BackgroundProcess {
    try BackgroundProcess(TestSupport.binary, ["apply", manifest], logs: logs, name: name)
  }

  /// The process id.
  var pid: pid_t { process.processIdentifier }

  /// Writes `text` to standard input.
  func send(_ text: String) {
    // The process may have exited already: a broken pipe must not kill the test runner.
    signal(SIGPIPE, SIG_IGN)
    try? input.fileHandleForWriting.write(contentsOf: Data(text.utf8))
  }

  /// Closes standard input.
  func closeInput() { try? input.fileHandleForWriting.close() }

  /// Waits for the process to exit and returns what it printed.
  func wait() -> ProcessResult {
    process.waitUntilExit()
    closeInput()
    return ProcessResult(
      status: process.terminationStatus,
      stdout: FileManager.default.contents(atPath: output.path) ?? Data(),
      stderr: FileManager.default.contents(atPath: errors.path) ?? Data(),
      crashed: process.terminationReason == .uncaughtSignal)
  }

  /// Ends the process if it still runs (continuing it first, should it be stopped).
  func stop() {
    guard process.isRunning else { return }
    kill(pid, SIGCONT)
    process.terminate()
    process.waitUntilExit()
  }

  /// Whether the process is stopped (state T in /proc/PID/stat).
  var isStopped: Bool {
    guard let line = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
      let close = line.lastIndex(of: ")")
    else { return false }
    return line[close...].dropFirst(2).first == "T"
  }
}

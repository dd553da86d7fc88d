import Foundation
import Glibc

/// Ways to run `qcow-batch apply`.
enum ApplyRun {
  /// `qcow-batch apply MANIFEST FLAGS`, with `VARIABLE=VALUE` settings in its environment.
  static func run(_ manifest: String, _ flags: [String] = [], environment: [String] = []) throws -> ProcessResult {
    let arguments = ["apply", manifest] + flags
    guard !environment.isEmpty else { return try TestSupport.qcowBatch(arguments) }
    return try TestSupport.run(
      URL(fileURLWithPath: "/usr/bin/env"), environment + [TestSupport.binary.path] + arguments)
  }

  /// `qcow-batch apply MANIFEST` run by `sh -c PREFIX`, where PREFIX ends by exec'ing "$0" "$@".
  static func shell(_ prefix: String, _ manifest: String) throws -> ProcessResult {
    try TestSupport.run(
      URL(fileURLWithPath: "/bin/sh"), ["-c", prefix, TestSupport.binary.path, "apply", manifest])
  }

  /// The one JSON object `result` printed on standard output, or nil when it is not exactly that.
  static func document(_ result: ProcessResult) -> [String: Any]? {
    (try? JSONSerialization.jsonObject(with: result.stdout)) as? [String: Any]
  }
}

/// A failure of the test harness itself.
struct ApplyTestError: Error, CustomStringConvertible {
  let description: String
}

/// Waiting for a condition.
enum Poll {

  /// Checks `condition` every millisecond until it holds; throws after `timeout` seconds.
  static func until(_ what: String, timeout: Double = 20, _ condition: () -> Bool) throws {
    let deadline = Date().addingTimeInterval(timeout)
    while !condition() {
      guard Date() < deadline else { throw ApplyTestError(description: "timed out waiting until \(what)") }
      usleep(1000)
    }
  }
}

import Foundation
import Testing

/// What `sync_file_range` answers in one case, and what apply must then do.
struct WritebackFault: Sendable, CustomTestStringConvertible {
  /// strace's `inject` action for the call.
  let action: String
  /// Whether apply must still succeed: a filesystem that cannot start writeback early is fine,
  /// an I/O error is not.
  let applies: Bool
  /// What apply's message must contain when it fails.
  let message: String

  var testDescription: String { action }

  static let all = [
    WritebackFault(action: "error=EIO", applies: false, message: "Input/output error"),
    WritebackFault(action: "error=ENOSPC", applies: false, message: "No space left on device"),
    WritebackFault(action: "error=EINVAL", applies: true, message: ""),
    WritebackFault(action: "error=ENOSYS", applies: true, message: ""),
    WritebackFault(action: "error=ESPIPE", applies: true, message: ""),
  ]
}

/// Large copies start writing each chunk back while the next is copied (`sync_file_range`);
/// these tests fail or kill that call and check that the transaction holds.
@Suite("apply: early writeback of large copies")
struct WritebackTests {
  /// Makes a 64 MiB image holding 24 MiB of data (copied in chunks big enough for the hint)
  /// and a manifest that edits a copy of it; returns the manifest and the copy's old bytes.
  private func prepare(_ scratch: ApplyScratch) throws -> (manifest: String, old: Data) {
    let created = try scratch.qemuImg(["create", "-q", "-f", "qcow2", "source.qcow2", "64M"])
    try #require(created.status == 0, "\(created.err)")
    let written = try TestSupport.tool(
      "qemu-io", ["-f", "qcow2", "-c", "write -P 0x5c 0 24M", scratch.path("source.qcow2")])
    try #require(written.status == 0, "\(written.err)")
    try FileManager.default.copyItem(atPath: scratch.path("source.qcow2"), toPath: scratch.path("copy.qcow2"))
    let manifest = try scratch.manifest("m.yaml", [ApplyEntry(path: "copy.qcow2", edits: [ApplyEdit.mark("wb")])])
    return (manifest, try Data(contentsOf: URL(fileURLWithPath: scratch.path("copy.qcow2"))))
  }

  /// Runs apply under strace with `action` injected at the first `sync_file_range`.
  private func apply(_ manifest: String, injecting action: String) throws -> ProcessResult {
    try CrashTrace.inject(action, into: "sync_file_range", occurrence: 1, manifest)
  }

  @Test(
    "a clean apply of a large copy starts writeback and keeps the data",
    .enabled(if: CrashTrace.available, "strace is missing or cannot trace here"))
  func writebackRuns() throws {
    let scratch = try ApplyScratch("writeback")
    defer { scratch.remove() }
    let (manifest, _) = try prepare(scratch)
    let calls = try CrashTrace.tracedApply(manifest, logs: scratch.logs, syscalls: ["sync_file_range"])
    #expect(!calls.isEmpty, "no sync_file_range call for a 24 MiB copy")
    #expect(scratch.headerContains("copy.qcow2", "wb"))
    let compare = try scratch.qemuImg(["compare", "source.qcow2", "copy.qcow2"])
    #expect(compare.status == 0, "\(compare.out) \(compare.err)")
    #expect(scratch.leftovers() == [])
  }

  @Test(
    "a failed writeback start fails the apply on an I/O error and is ignored where unsupported",
    .enabled(if: CrashTrace.available, "strace is missing or cannot trace here"),
    arguments: WritebackFault.all)
  func writebackFails(_ fault: WritebackFault) throws {
    let scratch = try ApplyScratch("writeback-fault")
    defer { scratch.remove() }
    let (manifest, old) = try prepare(scratch)

    let result = try apply(manifest, injecting: fault.action)

    #expect(!result.crashed, "apply crashed: \(result.err)")
    let now = try Data(contentsOf: URL(fileURLWithPath: scratch.path("copy.qcow2")))
    if fault.applies {
      #expect(result.status == 0, "exit \(result.status): \(result.err)")
      #expect(scratch.headerContains("copy.qcow2", "wb"))
    } else {
      #expect(result.status == 1, "exit \(result.status)")
      #expect(result.err.contains(fault.message), "\(result.err)")
      #expect(now == old, "the target changed")
    }
    #expect(scratch.leftovers() == [])
  }

  @Test(
    "killed at the writeback start, apply leaves the old version and recover has nothing to do",
    .enabled(if: CrashTrace.available, "strace is missing or cannot trace here"))
  func killedAtWriteback() throws {
    let scratch = try ApplyScratch("writeback-kill")
    defer { scratch.remove() }
    let (manifest, old) = try prepare(scratch)

    let killed = try apply(manifest, injecting: "signal=KILL")
    #expect(killed.crashed, "apply was not killed: exit \(killed.status)")
    let recovered = try TestSupport.qcowBatch(["recover", manifest])

    #expect(recovered.status == 0, "recover: \(recovered.err)")
    #expect(try Data(contentsOf: URL(fileURLWithPath: scratch.path("copy.qcow2"))) == old)
    #expect(scratch.leftovers() == [])
  }
}

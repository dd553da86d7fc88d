import Foundation
import Testing

/// `info` on every broken state of the qcow2.py vectors: it reads, shows every field and names
/// what QEMU would refuse.
@Suite("info on broken header states")
struct BrokenStateInfoTests {
  /// Runs `info` (with `extra` arguments) on the image of `state`.
  private func info(_ state: BrokenState, _ extra: [String] = []) throws -> ProcessResult {
    let directory = try TestSupport.makeTemporaryDirectory()
    defer { try? FileManager.default.removeItem(at: directory) }
    let image = directory.appendingPathComponent("\(state.name).qcow2")
    try state.make(at: image)
    return try TestSupport.qcowBatch(["info", image.path] + extra)
  }

  @Test("info exits 0, shows every header field and the warning", arguments: BrokenState.all)
  func text(_ state: BrokenState) throws {
    let result = try info(state)
    #expect(result.status == 0, "\(result.err)")
    let lines = result.out.split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) }
    for name in BrokenStateInfoTests.fieldNames {
      #expect(lines.contains { $0.hasPrefix(name + " ") }, "field \(name) missing")
    }
    let warnings = result.out.components(separatedBy: "\nWarnings:\n").last ?? ""
    #expect(warnings.contains(state.warning), "\(warnings)")
  }

  @Test("info --json exits 0 with every header field and the warning", arguments: BrokenState.all)
  func json(_ state: BrokenState) throws {
    let result = try info(state, ["--json"])
    #expect(result.status == 0, "\(result.err)")
    let document = try #require(try JSONSerialization.jsonObject(with: result.stdout) as? [String: Any])
    #expect(document["schema"] as? Int == 1)
    let header = try #require(document["header"] as? [String: Any])
    #expect(Set(header.keys) == Set(BrokenStateInfoTests.fieldNames))
    let warnings = try #require(document["warnings"] as? [String])
    #expect(warnings.contains { $0.contains(state.warning) }, "\(warnings)")
  }

  /// The header fields `info` shows: qcow2.py's 18 and compression_type.
  static let fieldNames = [
    "magic", "version", "backing_file_offset", "backing_file_size", "cluster_bits", "size", "crypt_method",
    "l1_size", "l1_table_offset", "refcount_table_offset", "refcount_table_clusters", "nb_snapshots",
    "snapshot_offset", "incompatible_features", "compatible_features", "autoclear_features", "refcount_order",
    "header_length", "compression_type",
  ]
}

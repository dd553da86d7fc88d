import Foundation
import Glibc

/// The explorer set up for an apply of a crash-state scenario: traced in a scratch directory,
/// modelled from the tree as it was before, checked to end where the apply ended.
extension CrashStateExplorer {
  /// Explores `exploration` and says what it found.
  static func explore(_ exploration: CrashExploration) throws -> CrashExplorationReport {
    let started = Date()
    let scratch = try ApplyScratch("explore")
    defer { scratch.remove() }
    let place = try CrashStateDirectory(exploration.placement)
    defer { place.remove() }
    let nestedPlace = exploration.interruptedRecoveries > 0 ? try CrashStateDirectory(exploration.placement) : nil
    defer { nestedPlace?.remove() }

    let reference = try exploration.scenario.reference.get()
    let manifest = try exploration.scenario.prepare(scratch)
    guard let root = TestSupport.canonical(scratch.root.path) else {
      throw ApplyTestError(description: "cannot resolve the scratch directory")
    }
    if exploration.placement == .otherFilesystem {
      var status = stat()
      guard stat(root, &status) == 0, place.device.map({ $0 != UInt64(status.st_dev) }) == true else {
        throw ApplyTestError(description: "the crash states are not on another device than the apply")
      }
    }
    var model = try FileSystemModel(root: root, excluding: ["logs"])
    let old = try FileTree(reading: root, excluding: ["logs"])
    guard old == reference.old else {
      throw ApplyTestError(description: "the scenario starts elsewhere: \(old.differences(from: reference.old))")
    }
    let calls = try CrashTrace.traced(
      ["apply", manifest], logs: scratch.logs, syscalls: traced, environment: exploration.environment,
      status: exploration.run.status, options: straceOptions)
    for call in calls { try model.replay(FileSystemCall(call)) }
    let after = try FileTree(reading: root, excluding: ["logs"])
    try model.expectFinal(after)

    let new = reference.new
    if exploration.run == .clean && new != after {
      throw ApplyTestError(
        description: "the traced apply did not make the new versions: \(after.differences(from: new))")
    }
    let version = { (bytes: Data?) -> Version? in
      bytes.map { SparseContent(bytes: Array($0)) }.map { ($0, $0.digest) }
    }
    guard let commit = record("commit", model), (record("abort", model) != nil) == (exploration.run == .failedRename)
    else {
      throw ApplyTestError(description: "the trace lacks the commit record, or has an abort record it should not")
    }
    var explorer = CrashStateExplorer(
      exploration, model: model, place: place, nestedPlace: nestedPlace, trees: (old, new),
      versions: (reference.oldTargets.map(version), reference.newTargets.map(version)),
      rule: .journal(commit: commit, abort: record("abort", model)))
    var report = try explorer.run(budget: exploration.budget, seed: exploration.seed)
    report.seconds = Date().timeIntervalSince(started)
    return report
  }

  /// The units of the call that wrote the journal record `name` (a line starting `name\t`).
  private static func record(_ name: String, _ model: FileSystemModel) -> [Int]? {
    var written: [Int: [UInt8]] = [:]
    for unit in model.units {
      guard case .data(let file, _, let bytes) = unit.effect,
        model.labels[file]?.hasSuffix(".qcow-batch-journal") == true
      else { continue }
      written[unit.call, default: []] += bytes
    }
    let marker = Array((name + "\t").utf8)
    let call = written.keys.sorted().first { call in
      let bytes = written[call] ?? []
      return bytes.starts(with: marker)
        || bytes.indices.contains { bytes[$0] == 10 && bytes[($0 + 1)...].starts(with: marker) }
    }
    return call.map { call in model.units.indices.filter { model.units[$0].call == call } }
  }
}

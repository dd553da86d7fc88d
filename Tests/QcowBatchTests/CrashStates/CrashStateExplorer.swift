import Foundation
import Glibc

/// The crash-state explorer: traces one apply of the crash scenario (every write-class and sync
/// call, with arguments and data), models the tree it works in, makes the crash states a power
/// cut may leave under a filesystem model, lays each distinct one out in a directory of its own,
/// runs `qcow-batch recover` there and checks that every target is old or every target new with
/// nothing of the transaction left; and, before recover, that the old images are all still
/// somewhere, or else the new ones.
struct CrashStateExplorer {
  /// The calls traced: the write-class ones, and every other call that could change the tree.
  static let traced =
    CrashTrace.writeClass + ["sync", "ioctl", "mkdir", "mkdirat", "rmdir", "symlink", "symlinkat", "mknod", "mknodat"]

  /// The outcome of one distinct tree.
  private enum Outcome {
    case old
    case new
    case failed(String)
  }

  /// Which version a state must end in, from the journal records it holds.
  private enum Expected {
    case old
    case new
    case either
  }

  /// A file's content on some disk: the file and the units of it that persisted.
  private struct FileState: Hashable {
    let file: Int
    let units: [Int]
  }

  let exploration: CrashExploration
  private var model: FileSystemModel
  private let place: CrashStateDirectory
  private let old: FileTree
  private let new: FileTree
  /// The old and new versions of the scenario's targets with their digests (nil where a target
  /// did not exist).
  private let versions: (old: [(content: SparseContent, digest: Int)?], new: [(content: SparseContent, digest: Int)?])
  /// The units of the call that wrote the commit record, and of the one that wrote the abort record.
  private let commit: [Int]?
  private let abort: [Int]?
  private var contents: [FileState: (content: SparseContent, digest: Int)] = [:]
  private var outcomes: [CrashDisk: Outcome] = [:]

  /// Explores `exploration` and says what it found.
  static func explore(_ exploration: CrashExploration) throws -> CrashExplorationReport {
    let started = Date()
    let scratch = try ApplyScratch("explore")
    defer { scratch.remove() }
    let place = try CrashStateDirectory(exploration.placement)
    defer { place.remove() }
    var explorer = try CrashStateExplorer(exploration, scratch, place)
    var report = try explorer.run()
    report.seconds = Date().timeIntervalSince(started)
    return report
  }

  /// Traces the apply in `scratch` and builds the model, checking it ends where the apply ended.
  private init(_ exploration: CrashExploration, _ scratch: ApplyScratch, _ place: CrashStateDirectory) throws {
    self.exploration = exploration
    self.place = place
    let manifest = try CrashScenario.prepare(scratch)
    guard let root = TestSupport.canonical(scratch.root.path) else {
      throw ApplyTestError(description: "cannot resolve the scratch directory")
    }
    if exploration.placement == .otherFilesystem {
      var status = stat()
      guard stat(root, &status) == 0, place.device.map({ $0 != UInt64(status.st_dev) }) == true else {
        throw ApplyTestError(description: "the crash states are not on another device than the apply")
      }
    }
    model = try FileSystemModel(root: root, excluding: ["logs"])
    old = try FileTree(reading: root, excluding: ["logs"])
    let calls = try CrashTrace.tracedApply(
      manifest, logs: scratch.logs, syscalls: CrashStateExplorer.traced, environment: exploration.environment,
      status: exploration.run.status, options: ["-xx", "-s", "4194304"])
    for call in calls { try model.replay(FileSystemCall(call)) }
    let after = try FileTree(reading: root, excluding: ["logs"])
    guard model.finalFiles == after.files else {
      let modelled = FileTree(files: model.finalFiles, directories: after.directories)
      throw ApplyTestError(
        description: "the model of the trace does not end as the apply did: \(modelled.differences(from: after))")
    }
    let reference = try CrashScenario.reference.get()
    new = old.replacing(CrashScenario.targets, with: reference.new)
    if exploration.run == .clean && new != after {
      throw ApplyTestError(
        description: "the traced apply did not make the new versions: \(after.differences(from: new))")
    }
    let version = { (bytes: Data?) in
      bytes.map { data in SparseContent(bytes: Array(data)) }.map { ($0, $0.digest) }
    }
    versions = (reference.old.map(version), reference.new.map(version))
    commit = CrashStateExplorer.record("commit", model)
    abort = CrashStateExplorer.record("abort", model)
    guard commit != nil, (abort != nil) == (exploration.run == .failedRename) else {
      throw ApplyTestError(description: "the trace lacks the commit record, or has an abort record it should not")
    }
  }

  /// The units of the call that wrote the journal record `name`.
  private static func record(_ name: String, _ model: FileSystemModel) -> [Int]? {
    var written: [Int: [UInt8]] = [:]
    for unit in model.units {
      guard case .data(let file, _, let bytes) = unit.effect,
        model.labels[file]?.hasSuffix(".qcow-batch-journal") == true
      else { continue }
      written[unit.call, default: []] += bytes
    }
    let marker = Array((name + "\t").utf8)
    guard
      let call = written.keys.sorted().first(where: { call in
        let bytes = written[call] ?? []
        return bytes.starts(with: marker)
          || bytes.indices.contains { bytes[$0] == 10 && bytes[($0 + 1)...].starts(with: marker) }
      })
    else { return nil }
    return model.units.indices.filter { model.units[$0].call == call }
  }

  /// Makes the states, recovers each distinct tree, checks every state.
  private mutating func run() throws -> CrashExplorationReport {
    let spaces = exploration.model.spaces(of: model)
    let sample = CrashStateSample(spaces, budget: exploration.budget, seed: exploration.seed)
    var report = CrashExplorationReport(
      points: spaces.count, units: model.effectiveUnits.count,
      zeroWrites: model.units.count - model.effectiveUnits.count,
      space: sample.total, exhaustive: sample.exhaustive,
      states: sample.states.count)
    for state in sample.states {
      let disk = model.disk(state.persisted)
      let outcome: Outcome
      if let known = outcomes[disk] {
        outcome = known
      } else {
        outcome = try recover(disk, &report)
        outcomes[disk] = outcome
      }
      let problem: String?
      switch (outcome, expected(state.persisted)) {
      case (.failed(let why), _): problem = why
      case (.old, .new): problem = "recover rolled back a committed transaction"
      case (.new, .old): problem = "recover rolled forward a transaction without a commit record"
      default: problem = presence(disk)
      }
      if let problem { report.fail(describe(state) + ": " + problem) }
    }
    return report
  }

  /// The version the state must end in: old once the abort record persisted whole or when none
  /// of the commit record did, new once the commit record persisted whole (and no abort record).
  private func expected(_ persisted: UnitSet) -> Expected {
    if let abort, persisted.containsAll(abort) { return .old }
    guard let commit else { return .old }
    if persisted.containsAll(commit) { return .new }
    return persisted.containsNone(commit) ? .old : .either
  }

  /// Lays `disk` out, runs recover there and says which version the tree ends in.
  private mutating func recover(_ disk: CrashDisk, _ report: inout CrashExplorationReport) throws -> Outcome {
    report.trees += 1
    var files: [Int: SparseContent] = [:]
    for file in disk.files { files[file] = content(of: file, on: disk).content }
    try place.lay(disk) { files[$0] ?? SparseContent() }
    let recovered = try TestSupport.qcowBatch(["recover", place.root + "/m.yaml"])
    let said = recovered.err.trimmingCharacters(in: .whitespacesAndNewlines)
      .replacingOccurrences(of: place.root + "/", with: "~/")
    guard recovered.status == 0, !recovered.crashed else {
      return .failed("recover exited \(recovered.status): \(said)")
    }
    let tree = try FileTree(reading: place.root)
    if tree == old {
      report.old += 1
      return .old
    }
    if tree == new {
      report.new += 1
      return .new
    }
    return .failed("neither all old nor all new after recover: \(tree.differences(from: old)) (against the old tree)")
  }

  /// A problem with what `disk` holds before recover: the old images must all be somewhere until
  /// the new ones all are.
  private mutating func presence(_ disk: CrashDisk) -> String? {
    var held: [(content: SparseContent, digest: Int)] = []
    for file in disk.files { held.append(content(of: file, on: disk)) }
    let holds = { (version: (content: SparseContent, digest: Int)) in
      held.contains { $0.digest == version.digest && $0.content == version.content }
    }
    let oldKept = versions.old.allSatisfy { $0.map(holds) ?? true }
    let newKept = versions.new.allSatisfy { $0.map(holds) ?? true }
    return oldKept || newKept ? nil : "before recover, neither every old nor every new image is anywhere"
  }

  /// The content of `file` on `disk`, computed once for each set of its persisted units.
  private mutating func content(of file: Int, on disk: CrashDisk) -> (content: SparseContent, digest: Int) {
    let key = FileState(file: file, units: disk.fileUnits[file] ?? [])
    if let known = contents[key] { return known }
    let content = model.content(of: file, on: disk)
    let entry = (content, content.digest)
    contents[key] = entry
    return entry
  }

  /// The crash state, for a message: its point and the units it lost there.
  private func describe(_ state: CrashState) -> String {
    let call = state.point == 0 ? "before the first call" : "after '\(model.calls[state.point - 1].prefix(160))'"
    let lost = model.effectiveUnits.filter { model.units[$0].call < state.point && !state.persisted.contains($0) }
    let listed = lost.prefix(6).map(model.describe).joined(separator: "; ")
    return
      "crash point \(state.point) (\(call)), losing \(lost.count) units (\(listed)\(lost.count > 6 ? "; ..." : ""))"
  }
}

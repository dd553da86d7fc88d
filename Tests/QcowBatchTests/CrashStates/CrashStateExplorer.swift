import Foundation

/// Explores the crash states of one traced run of qcow-batch on a tree: makes the states a power
/// cut may leave under the filesystem model, lays each distinct tree out in a directory of its
/// own, runs `qcow-batch recover` there and checks that the tree ends all old or all new (every
/// target, nothing of the transaction left), in the version the state calls for; and, before
/// recover, that the old images are all still somewhere, or else the new ones. Where asked, a
/// recover is itself traced and cut by a power cut at each point, and the states it leaves are
/// explored the same way. `CrashStateExplorer+Scenario.swift` sets it up for an apply.
struct CrashStateExplorer {
  /// Which version a state must end in.
  enum Expected: Equatable {
    case old
    case new
    case either
  }

  /// How the explorer knows which version a state must end in.
  enum Rule {
    /// By the journal records the state holds: the units of the calls that wrote the commit
    /// record and the abort record.
    case journal(commit: [Int], abort: [Int]?)
    /// Always this one: the version an interrupted recover was bringing the tree to.
    case always(Expected)
  }

  /// The outcome of one distinct tree.
  private enum Outcome {
    case version(Expected)
    case failed(String)
  }

  /// A file's content on some disk: the file and the units of it that persisted.
  private struct FileState: Hashable {
    let file: Int
    let units: [Int]
  }

  /// A version of the targets with its digest, to find it among a state's files.
  typealias Version = (content: SparseContent, digest: Int)

  /// The calls traced: the write-class ones, and every other call that could change the tree.
  static let traced =
    CrashTrace.writeClass + ["sync", "ioctl", "mkdir", "mkdirat", "rmdir", "symlink", "symlinkat", "mknod", "mknodat"]
  /// strace's options for the trace: every string in hex, long enough for any write of the scenario.
  static let straceOptions = ["-xx", "-s", "4194304"]

  let exploration: CrashExploration
  private let model: FileSystemModel
  private let place: CrashStateDirectory
  /// Where the states of an interrupted recover are laid out; nil when none is explored.
  private let nestedPlace: CrashStateDirectory?
  private let trees: (old: FileTree, new: FileTree)
  /// The old and new versions of the targets (nil where a target has none).
  private let versions: (old: [Version?], new: [Version?])
  private let rule: Rule
  private var contents: [FileState: Version] = [:]
  private var outcomes: [CrashDisk: Outcome] = [:]

  /// An explorer of the states `model`'s trace may leave, laid out in `place` (those of an
  /// interrupted recover in `nestedPlace`), ending in `trees` by `rule`.
  init(
    _ exploration: CrashExploration, model: FileSystemModel, place: CrashStateDirectory,
    nestedPlace: CrashStateDirectory?, trees: (old: FileTree, new: FileTree),
    versions: (old: [Version?], new: [Version?]),
    rule: Rule
  ) {
    self.exploration = exploration
    self.model = model
    self.place = place
    self.nestedPlace = nestedPlace
    self.trees = trees
    self.versions = versions
    self.rule = rule
  }

  /// Makes up to `budget` states, recovers each distinct tree, checks every state.
  mutating func run(budget: Int, seed: UInt64) throws -> CrashExplorationReport {
    let spaces = exploration.model.spaces(of: model)
    let sample = CrashStateSample(spaces, budget: budget, seed: seed)
    var report = CrashExplorationReport(
      points: spaces.count, units: model.effectiveUnits.count,
      zeroWrites: model.units.count - model.effectiveUnits.count, space: sample.total, exhaustive: sample.exhaustive,
      distinct: sample.distinct,
      states: sample.states.count)
    // About every other state leaves a tree of its own: spread the interrupted recovers over them.
    let stride = max(1, sample.states.count / max(1, 2 * exploration.interruptedRecoveries))
    for state in sample.states {
      let disk = model.disk(state.persisted)
      let outcome: Outcome
      if let known = outcomes[disk] {
        outcome = known
      } else {
        let nest =
          nestedPlace != nil && report.trees % stride == 0 && report.recoveries < exploration.interruptedRecoveries
        outcome = try recover(disk, state, nest: nest, &report)
        outcomes[disk] = outcome
      }
      let problem: String?
      switch (outcome, expected(state.persisted)) {
      case (.failed(let why), _): problem = why
      case (.version(.old), .new): problem = "recover rolled back where it must roll forward"
      case (.version(.new), .old): problem = "recover rolled forward where it must roll back"
      default: problem = presence(disk)
      }
      if let problem { report.fail(describe(state) + ": " + problem) }
    }
    return report
  }

  /// The version `persisted` must end in. By the journal: old once the abort record persisted
  /// whole or when none of the commit record did, new once the commit record persisted whole.
  private func expected(_ persisted: UnitSet) -> Expected {
    switch rule {
    case .always(let version): return version
    case .journal(let commit, let abort):
      if let abort, persisted.containsAll(abort) { return .old }
      if persisted.containsAll(commit) { return .new }
      return persisted.containsNone(commit) ? .old : .either
    }
  }

  /// Lays `disk` out, runs recover there (traced, with its own crash states explored, when
  /// `nest`) and says which version the tree ends in.
  private mutating func recover(
    _ disk: CrashDisk, _ state: CrashState, nest: Bool, _ report: inout CrashExplorationReport
  ) throws -> Outcome {
    report.trees += 1
    var files: [Int: SparseContent] = [:]
    for file in disk.files { files[file] = content(of: file, on: disk).content }
    try place.lay(disk) { files[$0] ?? SparseContent() }
    let arguments = ["recover", place.root + "/m.yaml"]
    let recoverModel = nest ? try FileSystemModel(root: place.root, excluding: []) : nil
    let recovered: ProcessResult
    var calls: [StraceCall] = []
    if nest {
      (recovered, calls) = try CrashTrace.trace(
        arguments, logs: place.logs, syscalls: CrashStateExplorer.traced, options: CrashStateExplorer.straceOptions)
    } else {
      recovered = try TestSupport.qcowBatch(arguments)
    }
    let said = recovered.err.trimmingCharacters(in: .whitespacesAndNewlines)
      .replacingOccurrences(of: place.root + "/", with: "~/")
    guard recovered.status == 0, !recovered.crashed else {
      return .failed("recover exited \(recovered.status): \(said)")
    }
    let tree = try FileTree(reading: place.root)
    let version: Expected
    if tree == trees.old {
      version = .old
    } else if tree == trees.new {
      version = .new
    } else {
      return .failed(
        "neither all old nor all new after recover: \(tree.differences(from: trees.old)) (against the old)")
    }
    if version == .old { report.old += 1 } else { report.new += 1 }
    if var recoverModel, let nestedPlace {
      for call in calls { try recoverModel.replay(FileSystemCall(call)) }
      try recoverModel.expectFinal(tree)
      var nested = CrashStateExplorer(
        exploration, model: recoverModel, place: nestedPlace, nestedPlace: nil, trees: trees, versions: versions,
        rule: .always(version))
      let inner = try nested.run(budget: exploration.recoveryBudget, seed: exploration.seed ^ UInt64(state.point))
      report.absorb(inner, interrupting: describe(state))
    }
    return .version(version)
  }

  /// A problem with what `disk` holds before recover: the old images must all be somewhere until
  /// the new ones all are.
  private mutating func presence(_ disk: CrashDisk) -> String? {
    var held: [Version] = []
    for file in disk.files { held.append(content(of: file, on: disk)) }
    let holds = { (version: Version) in
      held.contains { $0.digest == version.digest && $0.content == version.content }
    }
    let oldKept = versions.old.allSatisfy { $0.map(holds) ?? true }
    let newKept = versions.new.allSatisfy { $0.map(holds) ?? true }
    return oldKept || newKept ? nil : "before recover, neither every old nor every new image is anywhere"
  }

  /// The content of `file` on `disk`, computed once for each set of its persisted units.
  private mutating func content(of file: Int, on disk: CrashDisk) -> Version {
    let key = FileState(file: file, units: disk.fileUnits[file] ?? [])
    if let known = contents[key] { return known }
    let content = model.content(of: file, on: disk)
    let entry = (content, content.digest)
    contents[key] = entry
    return entry
  }

  /// The crash state, for a message: its point and the units it lost there.
  private func describe(_ state: CrashState) -> String {
    let call = state.point == 0 ? "before the first call" : "after \(model.calls[state.point - 1])"
    let lost = model.effectiveUnits.filter { model.units[$0].call < state.point && !state.persisted.contains($0) }
    let listed = lost.prefix(6).map(model.describe).joined(separator: "; ")
    return
      "crash point \(state.point) (\(call)), losing \(lost.count) units (\(listed)\(lost.count > 6 ? "; ..." : ""))"
  }
}

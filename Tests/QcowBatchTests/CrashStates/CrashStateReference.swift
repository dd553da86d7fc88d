import Foundation

/// A crash-state scenario's old and new trees: its directory before an apply and after a clean
/// one, made in a scratch directory of their own. A target that does not exist before is absent
/// from the old tree.
struct CrashStateReference: Sendable {
  /// The tree before the apply (the logs left out).
  let old: FileTree
  /// The tree after a clean apply (the logs left out).
  let new: FileTree
  /// The targets, relative to the manifest.
  let targets: [String]

  /// Each target's old bytes, nil where it does not exist before.
  var oldTargets: [Data?] { targets.map { old.files[$0] } }
  /// Each target's new bytes.
  var newTargets: [Data?] { targets.map { new.files[$0] } }

  /// Prepares `scenario` and applies it; fails unless the apply changed exactly the targets
  /// (making those that did not exist) and left the directories as they were.
  static func make(_ scenario: CrashStateScenario) -> Result<CrashStateReference, ApplyTestError> {
    do {
      let scratch = try ApplyScratch("crash-states-reference")
      defer { scratch.remove() }
      let manifest = try scenario.prepare(scratch)
      let old = try FileTree(reading: scratch.root.path, excluding: ["logs"])
      let applied = try ApplyRun.run(manifest)
      guard applied.status == 0 else {
        return .failure(ApplyTestError(description: "the clean apply of the \(scenario.title) failed: \(applied.err)"))
      }
      let new = try FileTree(reading: scratch.root.path, excluding: ["logs"])
      let changed = Set(old.files.keys).union(new.files.keys).filter { old.files[$0] != new.files[$0] }
      guard changed == Set(scenario.targets), scenario.targets.allSatisfy({ new.files[$0] != nil }),
        old.directories == new.directories
      else {
        return .failure(
          ApplyTestError(
            description: "the clean apply of the \(scenario.title) changed \(changed.sorted()), not its targets"))
      }
      return .success(CrashStateReference(old: old, new: new, targets: scenario.targets))
    } catch {
      return .failure(ApplyTestError(description: "cannot make the \(scenario.title)'s versions: \(error)"))
    }
  }
}

import ArgumentParser
import QcowCore

/// `qcow-batch apply MANIFEST`: plans, validates, stages and commits all images, or none.
struct ApplyCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "apply",
    abstract: "Apply a manifest: every image is changed, or none is.",
    discussion: """
      Plans and validates every edit first. Each result is written to a temporary file beside \
      its target and synced; only when all are staged are they renamed over their targets.
      """
  )

  @OptionGroup var options: ManifestOptions

  @Flag(help: "Plan and validate only; write nothing.")
  var dryRun = false

  @Flag(name: [.short, .long], help: "No progress line on a terminal.")
  var quiet = false

  @Flag(help: "Rewrite targets that already hold their result (by default they are left untouched).")
  var force = false

  func run() throws {
    OpenFileLimit.raise()
    // A saved plan names its manifest; everything it recorded must still hold.
    let saved = try SavedPlan.read(options.manifest)
    var options = self.options
    if let saved { options.manifest = saved.manifest }
    let manifest = try options.load(forApply: true)
    let targets = manifest.images.map { ManifestPaths.resolve($0.path.value, in: manifest.directory) }
    // A missing directory is not locked: the plan reports it against the manifest.
    let dataFiles = zip(manifest.images, targets).compactMap { image, target in
      image.create?.value.dataFile.map { ManifestPaths.resolve($0, in: ManifestPaths.directory(of: target)) }
    }
    let directories = (targets + dataFiles).map { ManifestPaths.directory(of: ManifestPaths.canonicalTarget($0) ?? $0) }
      .filter(ManifestPaths.isDirectory)
    let journalPath = Journal.path(forManifest: manifest.file)
    var (locks, pending) = try ImageLocks.lockForJournal(journalPath, directories: dryRun ? [] : directories)
    defer { locks.release() }
    if let pending {
      if dryRun {
        printError("note: an interrupted apply of this manifest is pending; 'qcow-batch recover' finishes it")
      } else {
        try RecoverCommand.recover(pending, announce: true)
      }
    }
    var originals: [String: FileIdentity] = [:]
    for target in targets { originals[target] = FileIdentity(path: target) }
    let plan = Planner.plan(manifest, force: force)
    let report = PlanReport(plan: plan)
    if let saved {
      let stale = SavedPlan.staleness(saved: saved, current: SavedPlan(plan, document: report.json()))
      guard stale.isEmpty else {
        throw QcowError("the saved plan '\(self.options.manifest)' is stale: " + stale.joined(separator: "; "))
      }
    }
    guard plan.isValid, !dryRun else {
      emit(report, errors: plan.allErrors, applied: false)
      if !plan.isValid { throw ExitCode.failure }
      return
    }
    do {
      try Transaction.run(plan, originals: originals, journalPath: journalPath, quiet: quiet)
    } catch {
      let failure = ManifestDiagnostic(mark: nil, message: "\(error)")
      emit(report, errors: [failure], applied: error is Transaction.CleanupFailure, adding: true)
      throw ExitCode.failure
    }
    emit(report, errors: [], applied: true)
  }

  /// Prints the report and `errors`; with `adding`, the errors are not the plan's own and the
  /// JSON document lists them with the plan's errors.
  private func emit(_ report: PlanReport, errors: [ManifestDiagnostic], applied: Bool, adding: Bool = false) {
    if options.json {
      var document = report.json()
      if adding, case .object(let members) = document {
        let added = errors.map { PlanReport.errorJSON($0, file: report.plan.manifest.file) }
        let merged = members.map { key, value -> (String, JSONValue) in
          guard key == "errors", case .array(let listed) = value else { return (key, value) }
          return (key, .array(listed + added))
        }
        document = .object(merged)
      }
      options.report(errors, source: report.plan.manifest.source, plan: document, applied: applied)
      return
    }
    print(report.text(), terminator: "")
    options.report(errors, source: report.plan.manifest.source, plan: nil)
    if applied {
      let unchanged = report.plan.images.filter(\.unchanged).count
      let written = PlanReport.count(report.plan.images.count - unchanged, "image")
      print("applied: \(written) written" + (unchanged > 0 ? ", \(unchanged) unchanged" : ""))
    }
  }
}

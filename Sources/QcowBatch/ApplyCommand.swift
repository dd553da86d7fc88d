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

  func run() throws {
    let manifest = try options.load()
    let targets = manifest.images.map { ManifestPaths.resolve($0.path.value, in: manifest.directory) }
    // A missing directory is not locked: the plan reports it against the manifest.
    let directories = targets.map { ManifestPaths.directory(of: ManifestPaths.canonicalTarget($0) ?? $0) }
      .filter(ManifestPaths.isDirectory)
    var locks = try ImageLocks.DirectoryLocks(directories: dryRun ? [] : directories)
    defer { locks.release() }
    var originals: [String: FileIdentity] = [:]
    for target in targets { originals[target] = FileIdentity(path: target) }
    let plan = Planner.plan(manifest)
    let report = PlanReport(plan: plan)
    guard plan.isValid, !dryRun else {
      emit(report, errors: plan.allErrors, applied: false)
      if !plan.isValid { throw ExitCode.failure }
      return
    }
    do {
      var transaction = try Transaction.stage(plan, originals: originals)
      try transaction.commit()
    } catch {
      emit(report, errors: [ManifestDiagnostic(mark: nil, message: "\(error)")], applied: false)
      throw ExitCode.failure
    }
    emit(report, errors: [], applied: true)
  }

  private func emit(_ report: PlanReport, errors: [ManifestDiagnostic], applied: Bool) {
    if options.json {
      options.report(errors, plan: report.json(), applied: applied)
      return
    }
    print(report.text(), terminator: "")
    options.report(errors, plan: nil)
    if applied { print("applied: \(report.plan.images.count) images written") }
  }
}

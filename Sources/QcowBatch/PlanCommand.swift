import ArgumentParser
import Foundation
import QcowCore

/// `qcow-batch plan MANIFEST`: shows every change a manifest makes, writing nothing.
struct PlanCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "plan",
    abstract: "Show every change a manifest would make, and every error in it, without writing anything."
  )

  @OptionGroup var options: ManifestOptions

  @Flag(help: "Exit 0 when nothing would change, 2 when something would, 1 on errors (for CI).")
  var detailedExitcode = false

  @Option(name: .customLong("out"), help: "Save the plan to this file, for 'apply FILE' to apply exactly it.")
  var out: String?

  func run() throws {
    OpenFileLimit.raise()
    // A saved plan is made from the manifest's absolute path, as 'apply FILE' loads it.
    var options = self.options
    if out != nil { options.manifest = SavedPlan.absolute(options.manifest) }
    let plan = Planner.plan(try options.load())
    let report = PlanReport(plan: plan)
    if options.json {
      options.report(plan.allErrors, source: plan.manifest.source, plan: report.json())
    } else {
      print(report.text(), terminator: "")
      options.report(plan.allErrors, source: plan.manifest.source, plan: nil)
    }
    if !plan.isValid { throw ExitCode.failure }
    if let out {
      let saved = SavedPlan(plan, document: report.json())
      guard FileManager.default.createFile(atPath: out, contents: Data((saved.document.rendered() + "\n").utf8)) else {
        throw QcowError("cannot write the saved plan '\(out)'")
      }
    }
    if detailedExitcode && plan.images.contains(where: { !$0.unchanged }) { throw ExitCode(2) }
  }
}

import QcowCore

/// Runs an entry's setup steps in order over a draft of its source, before `expect` and the
/// edits. Each step reads backing files through `backing` (an image made earlier in the
/// manifest) or from disk. Errors are tied to the step that causes them; after one, the
/// later steps are not run.
struct SetupSequence {
  /// The draft with every step applied.
  private(set) var draft: ImageDraft
  /// One change per step, for the plan.
  private(set) var changes: [ImageChange] = []
  private(set) var errors: [ManifestDiagnostic] = []

  init(entry: ManifestImage, draft start: ImageDraft, target: String, backing: (String) -> (any ImageSource)?) {
    draft = start
    var opened: [ImageFile] = []
    defer { for file in opened { file.close() } }
    let open = { (path: String) throws -> any ImageSource in
      if let planned = backing(path) { return planned }
      let file = try ImageFile(path: path)
      opened.append(file)
      return file
    }
    let directory = ManifestPaths.directory(of: target)
    for step in entry.setup {
      do {
        let outcome = try draft.apply(step.value, directory: directory, open: open)
        changes.append(outcome.change(for: step.value))
      } catch {
        errors.append(ManifestDiagnostic(mark: step.mark, message: "\(error)"))
        return
      }
    }
  }
}

import Glibc
import QcowCore

/// Builds the plan of a manifest: reads every source, checks `expect`, applies the edits in
/// memory and validates the result. Writes nothing.
enum Planner {
  /// The plan of every image in `manifest`, plus errors that concern several images.
  static func plan(_ manifest: Manifest, force: Bool = false) -> EditPlan {
    let build = BuildOrder(manifest)
    var images: [ImagePlan] = []
    var results: [ImageDraft?] = []
    // The planned images' targets, canonical (symlinks and `..` resolved).
    var targets: [String?] = []
    var positions: [Int: Int] = [:]
    let files = SourceFiles()
    defer { files.closeAll() }
    for index in build.order {
      let entry = manifest.images[index]
      // The position of the last entry planned so far whose target is `path`.
      let made = { (path: String) -> Int? in
        guard let wanted = ManifestPaths.canonicalTarget(path) else { return nil }
        return targets.lastIndex { $0 == wanted }
      }
      // A new image may take its size from a backing image made earlier in the manifest, and
      // setup steps read such a backing image as planned.
      let pending = { (path: String) in made(path).flatMap { images[$0].after?.header[.size] } }
      let planned = { (path: String) -> (any ImageSource)? in made(path).flatMap { results[$0] } }
      let dependency = build.source[index].flatMap { positions[$0] }
      let source: Source =
        dependency.map { .entry(position: $0, result: results[$0], path: images[$0].entry.path.value) } ?? .file
      var (plan, result) = plan(
        entry, in: manifest.directory, source: source, pending: pending, planned: planned, files: files)
      plan.sourceEntry = dependency
      positions[index] = images.count
      images.append(plan)
      results.append(result)
      targets.append(ManifestPaths.canonicalTarget(plan.target))
    }
    checkUniqueTargets(&images)
    if !force {
      images = zip(images, results).map { Convergence.checked($0, result: $1) }
    }
    let spaceErrors = FreeSpace.check(images.filter { !$0.unchanged })
    return EditPlan(manifest: manifest, images: images, errors: build.cycles + spaceErrors)
  }

  /// Where an entry's image comes from: a file (`from`, or the target edited in place), the
  /// result of an entry planned before it, or (with `create`) nothing.
  private enum Source {
    case file
    case entry(position: Int, result: ImageDraft?, path: String)
  }

  private static func plan(
    _ entry: ManifestImage, in directory: String, source origin: Source, pending: (String) -> UInt64?,
    planned: (String) -> (any ImageSource)?, files: SourceFiles
  ) -> (ImagePlan, ImageDraft?) {
    let target = ManifestPaths.resolve(entry.path.value, in: directory)
    let source = entry.from.map { ManifestPaths.resolve($0.value, in: directory) } ?? target
    var plan = ImagePlan(entry: entry, target: target, source: source)
    let sourceMark = entry.from?.mark ?? entry.path.mark
    let sourceName = entry.from?.value ?? entry.path.value
    let image: any ImageSource
    do {
      if let create = entry.create {
        // A new image, laid out in memory as qemu-img create would write it; names are
        // resolved against the target's directory, as QEMU resolves them when it opens it.
        let options = create.value
        let size = try ImageCreation.resolveSize(options, imagePath: target, pending: pending)
        let layout = try ImageLayout(options: options, size: size)
        plan.creation = (options, size)
        if let dataFile = options.dataFile {
          plan.dataFile = (
            ManifestPaths.resolve(dataFile, in: ManifestPaths.directory(of: target)), layout.dataFileLength
          )
        }
        image = layout
      } else if case .entry(_, let result, let path) = origin {
        guard let result else { throw QcowError("the entry that makes it ('\(path)') has errors") }
        image = result
      } else {
        image = try files.open(source)
      }
      let area = try HeaderArea(reading: image)
      try area.checkReadable()
      plan.before = area
    } catch {
      let mark = entry.create?.mark ?? sourceMark
      let name = entry.create == nil ? sourceName : entry.path.value
      plan.errors.append(ManifestDiagnostic(mark: mark, message: "'\(name)': \(error)"))
      return (plan, nil)
    }
    guard var area = plan.before else { return (plan, nil) }
    var start = ImageDraft(base: image)
    if !entry.setup.isEmpty {
      let setup = SetupSequence(entry: entry, draft: start, target: target, backing: planned)
      plan.changes = setup.changes
      guard setup.errors.isEmpty else {
        plan.errors += setup.errors
        return (plan, nil)
      }
      start = setup.draft
      do {
        area = try HeaderArea(reading: start)
      } catch {
        plan.errors.append(ManifestDiagnostic(mark: entry.mark, message: "after the setup steps: \(error)"))
        return (plan, nil)
      }
    }
    for expectation in entry.expect {
      let (field, wanted) = expectation.value
      let actual = area.header[field]
      if actual != wanted {
        plan.errors.append(
          ManifestDiagnostic(
            mark: expectation.mark,
            message:
              "expected \(field.name) \(field.format.render(wanted)), '\(sourceName)' has \(field.format.render(actual))"
          ))
      }
    }
    let sequence = EditSequence(entry: entry, draft: start, area: area)
    plan.after = sequence.area
    plan.changes += sequence.changes
    let prefix = "'\(entry.path.value)': "
    if let magic = plan.before?.header[.magic], magic != HeaderArea.magic, sequence.headerFailed,
      let failure = sequence.errors.last
    {
      // Most likely not meant as a qcow2 image at all: say so first, where the source is named.
      plan.errors += sequence.errors.dropLast()
      plan.errors.append(
        ManifestDiagnostic(
          mark: sourceMark,
          message: "'\(sourceName)': not a qcow2 image: magic is \(FieldFormat.hex.render(magic)), "
            + "expected 0x514649fb; the result cannot be written: "
            + String(failure.message.dropFirst(failure.message.hasPrefix(prefix) ? prefix.count : 0))))
    } else {
      plan.errors += sequence.errors
    }
    if sequence.errors.isEmpty {
      plan.writes = sequence.draft.writes
      plan.length = sequence.draft.size == image.size ? nil : sequence.draft.size
      plan.cutLength = sequence.draft.cutLength
    }
    checkTargetDirectory(&plan)
    if let holder = ImageLocks.qemuHolder(of: target) {
      plan.errors.append(ManifestDiagnostic(mark: entry.path.mark, message: "'\(entry.path.value)' \(holder)"))
    }
    return (plan, plan.errors.isEmpty ? sequence.draft : nil)
  }

  private static func checkTargetDirectory(_ plan: inout ImagePlan) {
    let real = ManifestPaths.canonical(plan.target) ?? plan.target
    let directory = ManifestPaths.directory(of: real)
    var status = stat()
    guard stat(directory, &status) == 0, status.st_mode & S_IFMT == S_IFDIR else {
      plan.errors.append(
        ManifestDiagnostic(
          mark: plan.entry.path.mark,
          message: "the directory of '\(plan.entry.path.value)' (\(directory)) does not exist"))
      return
    }
    if access(directory, W_OK) != 0 {
      plan.errors.append(
        ManifestDiagnostic(
          mark: plan.entry.path.mark,
          message: "cannot write to the directory of '\(plan.entry.path.value)' (\(directory)): \(Errno.last)"))
    }
  }

  /// Reports entries whose targets are the same file once symlinks and `..` are resolved.
  private static func checkUniqueTargets(_ images: inout [ImagePlan]) {
    var firstByPath: [String: Int] = [:]
    for index in images.indices {
      guard let canonical = ManifestPaths.canonicalTarget(images[index].target) else { continue }
      if let first = firstByPath[canonical] {
        let other = images[first].entry.path
        images[index].errors.append(
          ManifestDiagnostic(
            mark: images[index].entry.path.mark,
            message:
              "'\(images[index].entry.path.value)' is the same image as '\(other.value)' at line \(other.mark.line)",
            notes: [ManifestDiagnostic.Note(mark: other.mark, message: "'\(other.value)' names that image first")]))
      } else {
        firstByPath[canonical] = index
      }
    }
  }
}

import QcowCore

/// The files a plan reads its sources from, each opened once however many entries start from
/// it (a batch of a thousand images from one template holds one descriptor), and open until
/// the plan is done: later entries and the convergence check read the results through them.
final class SourceFiles {
  private var files: [String: ImageFile] = [:]

  /// The open file at `path`, opened now unless an earlier entry opened the same file.
  func open(_ path: String) throws -> ImageFile {
    let key = ManifestPaths.canonical(path) ?? path
    if let file = files[key] { return file }
    let file = try ImageFile(path: path)
    files[key] = file
    return file
  }

  /// Closes every file.
  func closeAll() {
    for file in files.values { file.close() }
    files = [:]
  }
}

import Glibc

/// Checks that each filesystem has room for the staged copies of its targets and the data
/// their plans write past the end of their sources.
enum FreeSpace {
  /// One error per filesystem that lacks room for the copies staged on it.
  static func check(_ images: [ImagePlan]) -> [ManifestDiagnostic] {
    var needed: [UInt64: (directory: String, bytes: UInt64, available: UInt64)] = [:]
    for image in images where image.isValid {
      let directory = ManifestPaths.directory(of: ManifestPaths.canonical(image.target) ?? image.target)
      var source = stat()
      var target = stat()
      var space = statvfs()
      guard stat(directory, &target) == 0, statvfs(directory, &space) == 0 else { continue }
      // The copy of the source (none for a new image), plus what the plan writes past its end:
      // setup steps may add much data there.
      let copied = image.creation == nil && stat(image.source, &source) == 0
      let end = copied ? UInt64(max(0, source.st_size)) : 0
      let grown = (image.writes?.runs ?? []).reduce(UInt64(0)) { sum, run in
        run.end > end ? sum + run.end - max(run.offset, end) : sum
      }
      let bytes = (copied ? UInt64(max(0, source.st_blocks)) * 512 : 0) + grown
      let available = UInt64(space.f_bavail).multipliedReportingOverflow(by: UInt64(space.f_frsize))
      let device = UInt64(target.st_dev)
      let previous = needed[device]?.bytes ?? 0
      needed[device] = (directory, previous + bytes, available.overflow ? .max : available.partialValue)
    }
    return needed.values.sorted { $0.directory < $1.directory }.compactMap { entry in
      guard entry.bytes > entry.available else { return nil }
      return ManifestDiagnostic(
        mark: nil,
        message: "not enough free space for the staged copies in '\(entry.directory)': "
          + "need \(entry.bytes) bytes, \(entry.available) available")
    }
  }
}

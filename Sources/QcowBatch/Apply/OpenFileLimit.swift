import Glibc

/// The process's limit on open descriptors. A manifest may name thousands of distinct
/// sources and target directories, each held open while it is planned and locked, so the
/// soft limit (often 1024) is raised to the hard limit first, as Go's runtime does.
enum OpenFileLimit {
  /// Raises the soft limit to the hard one; where that is refused the limit stays as it was.
  static func raise() {
    var limit = rlimit()
    guard getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit) == 0, limit.rlim_cur < limit.rlim_max else { return }
    limit.rlim_cur = limit.rlim_max
    _ = setrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit)
  }
}

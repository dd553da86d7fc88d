import Glibc
import QcowCore

/// Path handling for manifests: resolution against the manifest's directory, reads, checks.
enum ManifestPaths {
  /// The directory containing `file` ("." for a bare name).
  static func directory(of file: String) -> String {
    guard let slash = file.lastIndex(of: "/") else { return "." }
    let directory = String(file[..<slash])
    return directory.isEmpty ? "/" : directory
  }

  /// `path` resolved against `directory` unless it is absolute.
  static func resolve(_ path: String, in directory: String) -> String {
    path.hasPrefix("/") ? path : (directory == "." ? path : directory + "/" + path)
  }

  /// The last component of `path`.
  static func baseName(of path: String) -> String {
    path.split(separator: "/").last.map(String.init) ?? path
  }

  /// Whether `path` names a directory (after symlinks).
  static func isDirectory(_ path: String) -> Bool {
    var status = stat()
    return stat(path, &status) == 0 && (status.st_mode & S_IFMT) == S_IFDIR
  }

  /// What `fileProblem` says of a path that does not exist.
  static let missing = "does not exist"

  /// What keeps `path` from being read as an image (`missing`, not a regular file, not
  /// readable), or nil when it is a regular file this process can read.
  static func fileProblem(_ path: String) -> String? {
    var status = stat()
    guard stat(path, &status) == 0 else {
      let error = Errno.last
      return error == .noSuchFile ? missing : "cannot be read: \(error)"
    }
    guard (status.st_mode & S_IFMT) == S_IFREG else {
      return (status.st_mode & S_IFMT) == S_IFDIR ? "is a directory, not an image file" : "is not a regular file"
    }
    guard access(path, R_OK) == 0 else {
      let error = Errno.last
      return "is not readable: \(error)"
    }
    return nil
  }

  /// The canonical absolute form of `path` with symlinks and `..` resolved, when it exists.
  static func canonical(_ path: String) -> String? {
    guard let resolved = realpath(path, nil) else { return nil }
    defer { free(resolved) }
    return String(cString: resolved)
  }

  /// The canonical form of a path that may not exist yet: its directory resolved, plus its name.
  static func canonicalTarget(_ path: String) -> String? {
    if let existing = canonical(path) { return existing }
    guard let parent = canonical(directory(of: path)) else { return nil }
    return (parent == "/" ? "" : parent) + "/" + baseName(of: path)
  }

  /// Reads a whole file of at most `limit` bytes.
  static func readFile(_ path: String, limit: Int) throws -> [UInt8] {
    let bytes: [UInt8]?
    do {
      let descriptor = try FileDescriptor.open(path, O_RDONLY)
      defer { descriptor.close() }
      bytes = try descriptor.readAll(limit: limit)
    } catch {
      throw QcowError("\(error)")
    }
    guard let bytes else { throw QcowError("larger than \(limit) bytes") }
    return bytes
  }
}

/// Paths inside a modelled tree: relative to its root, `""` for the root itself.
enum TreePath {
  /// The directory holding `path` (`""` for the root).
  static func parent(of path: String) -> String {
    guard let slash = path.lastIndex(of: "/") else { return "" }
    return String(path[..<slash])
  }

  /// `path` with `.`, `..` and repeated slashes resolved by their spelling (the tree has no symlinks).
  static func normalized(_ path: String) -> String {
    var components: [Substring] = []
    for component in path.split(separator: "/") where component != "." {
      if component == ".." {
        _ = components.popLast()
      } else {
        components.append(component)
      }
    }
    return "/" + components.joined(separator: "/")
  }

  /// `path` (absolute, normalised) relative to `root`; nil when it lies outside.
  static func relative(_ path: String, to root: String) -> String? {
    if path == root { return "" }
    let prefix = root == "/" ? "/" : root + "/"
    return path.hasPrefix(prefix) ? String(path.dropFirst(prefix.count)) : nil
  }
}

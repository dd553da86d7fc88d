/// Building the tree a crash state leaves from the persisted units.
extension FileSystemModel {
  /// The tree before the apply with the `persisted` units applied in the order they were made.
  /// A name whose directory did not persist is not there.
  func disk(_ persisted: UnitSet) -> CrashDisk {
    var names = initialNames
    var fileUnits: [Int: [Int]] = [:]
    for (index, unit) in units.enumerated() where persisted.contains(index) {
      switch unit.effect {
      case .names(let changes):
        for change in changes { names[change.path] = change.node }
      case .data(let file, _, _), .size(let file, _):
        fileUnits[file, default: []].append(index)
      }
    }
    let present = names.filter { path, _ in
      var directory = TreePath.parent(of: path)
      while !directory.isEmpty {
        guard names[directory] == .directory else { return false }
        directory = TreePath.parent(of: directory)
      }
      return true
    }
    let disk = CrashDisk(names: present, fileUnits: [:])
    return CrashDisk(names: present, fileUnits: fileUnits.filter { disk.files.contains($0.key) })
  }

  /// The content of `file` on `disk`: as it was before the apply (empty for a new file), with
  /// its persisted units applied.
  func content(of file: Int, on disk: CrashDisk) -> SparseContent {
    var content = initialContents[file] ?? SparseContent()
    for index in disk.fileUnits[file] ?? [] {
      switch units[index].effect {
      case .data(_, let offset, let bytes): content.write(bytes[...], at: offset)
      case .size(_, let size): content.resize(size)
      case .names: break
      }
    }
    return content
  }

  /// A unit, for messages: what it would have changed.
  func describe(_ unit: Int) -> String {
    let label = { (file: Int) in labels[file] ?? "file \(file)" }
    switch units[unit].effect {
    case .data(let file, let offset, let bytes): return "\(bytes.count) bytes at \(offset) of \(label(file))"
    case .size(let file, let size): return "the size \(size) of \(label(file))"
    case .names(let changes):
      return changes.map { change in
        switch change.node {
        case .file(let file)?: "\(change.path) naming \(label(file))"
        case .directory?: "the directory \(change.path)"
        case nil: "the removal of \(change.path)"
        }
      }.joined(separator: " with ")
    }
  }
}

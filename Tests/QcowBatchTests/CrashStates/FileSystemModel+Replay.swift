/// Replaying traced calls: each call inside the tree becomes persistence units (what it changed)
/// or a sync barrier; calls outside the tree are passed over. A call the model cannot follow
/// inside the tree (a plain `write` at the file position, `writev`, `fallocate`, a ranged
/// reflink, a directory renamed) stops the replay, so nothing is left out unseen.
extension FileSystemModel {
  /// Replays one completed call of the traced process.
  mutating func replay(_ call: FileSystemCall) throws {
    for case .descriptor("AT_FDCWD", let path) in call.arguments { workingDirectory = path }
    guard let result = call.result else { return }  // a failed call changed nothing
    let counts = (units.count, barriers.count)
    switch call.name {
    case "open", "openat", "creat": try open(call, result)
    case "pwrite64":
      if let file = try file(call, 0) {
        try write(file, try call.buffer(1, count: result), at: try call.integer(3), call)
      }
    case "copy_file_range": try copy(call, result)
    case "ioctl" where call.text.contains("FICLONE") && !call.text.contains("FICLONERANGE"): try clone(call)
    case "ftruncate":
      if let file = try file(call, 0) { try resize(file, try call.integer(1), call) }
    case "truncate":
      if let path = try path(call, nil, 0), case .file(let file)? = names[path] {
        try resize(file, try call.integer(1), call)
      }
    case "fsync", "fdatasync":
      if let opened = descriptors[try call.descriptor(0).number] {
        switch opened {
        case .file(let file): barriers.append(SyncBarrier(call: calls.count, scope: .file(file)))
        case .directory(let path): barriers.append(SyncBarrier(call: calls.count, scope: .directory(path)))
        }
      }
    case "syncfs":
      if descriptors[try call.descriptor(0).number] != nil {
        barriers.append(SyncBarrier(call: calls.count, scope: .everything))
      }
    case "sync": barriers.append(SyncBarrier(call: calls.count, scope: .everything))
    case "sync_file_range": break  // starts writeback; makes nothing durable
    case "rename": try rename(call, from: try path(call, nil, 0), to: try path(call, nil, 1))
    case "renameat", "renameat2":
      if call.name == "renameat2", try call.word(4).contains("RENAME_EXCHANGE") {
        throw unmodelled("an exchange", call)
      }
      try rename(call, from: try path(call, 0, 1), to: try path(call, 2, 3))
    case "link": try link(call, from: try path(call, nil, 0), to: try path(call, nil, 1))
    case "linkat": try link(call, from: try path(call, 0, 1), to: try path(call, 2, 3))
    case "unlink": try remove(call, try path(call, nil, 0), directory: false)
    case "rmdir": try remove(call, try path(call, nil, 0), directory: true)
    case "unlinkat": try remove(call, try path(call, 0, 1), directory: try call.word(2).contains("AT_REMOVEDIR"))
    case "mkdir": try makeDirectory(call, try path(call, nil, 0))
    case "mkdirat": try makeDirectory(call, try path(call, 0, 1))
    default: try refuseInside(call)
    }
    if units.count > counts.0 || barriers.count > counts.1 { calls.append(call.rendered(root: root)) }
  }

  /// Fails when a call the model does not follow may have changed the tree: one on a descriptor
  /// of the tree (an ioctl only when it clones), or, anywhere, one that makes a symlink or device
  /// node or opens by openat2 (apply makes none).
  private func refuseInside(_ call: FileSystemCall) throws {
    let onDescriptor = call.arguments.contains {
      guard case .descriptor(let number, _) = $0, number != "AT_FDCWD" else { return false }
      return descriptors[number] != nil
    }
    let makesOther = ["symlink", "symlinkat", "mknod", "mknodat", "openat2"].contains(call.name)
    if onDescriptor ? call.name != "ioctl" || call.text.contains("CLONE") : makesOther {
      throw unmodelled("\(call.name) in the tree", call)
    }
  }

  // MARK: Calls

  /// An open: the descriptor refers to a directory or a file of the tree from now on; a file
  /// the tree lacks is created (a name unit), one opened with O_TRUNC emptied (a size unit).
  private mutating func open(_ call: FileSystemCall, _ result: Int64) throws {
    let number = String(result)
    descriptors[number] = nil
    guard let absolute = call.resultPath, let path = TreePath.relative(absolute, to: root) else { return }
    let flags = Set(call.name == "creat" ? ["O_CREAT", "O_WRONLY", "O_TRUNC"] : try openFlags(call))
    if path.isEmpty || names[path] == .directory || flags.contains("O_DIRECTORY") {
      descriptors[number] = .directory(path)
      return
    }
    if case .file(let file)? = names[path] {
      if flags.isSuperset(of: ["O_CREAT", "O_EXCL"]) {
        throw unmodelled("an exclusive create of a file it holds", call)
      }
      descriptors[number] = .file(file)
      if flags.contains("O_TRUNC") && !flags.isDisjoint(with: ["O_WRONLY", "O_RDWR"]) { try resize(file, 0, call) }
      return
    }
    guard flags.contains("O_CREAT") else { throw unmodelled("an open of a file it does not hold", call) }
    let file = (labels.keys.max() ?? -1) + 1
    labels[file] = path
    contents[file] = SparseContent()
    descriptors[number] = .file(file)
    try change([PersistenceUnit.NameChange(path: path, node: .file(file))], call)
  }

  /// The flags of an open or openat.
  private func openFlags(_ call: FileSystemCall) throws -> [String] {
    if call.name == "openat2" { throw unmodelled("openat2", call) }
    return try call.word(call.name == "open" ? 1 : 2).split(separator: "|").map(String.init)
  }

  /// A copy_file_range: the bytes the source holds in the page cache, written to the target.
  private mutating func copy(_ call: FileSystemCall, _ count: Int64) throws {
    guard let target = try file(call, 2) else { return }
    guard let source = try file(call, 0), let content = contents[source] else {
      throw unmodelled("a copy from outside the tree", call)
    }
    let (sourceOffset, targetOffset) = (try call.integer(1), try call.integer(3))
    guard let start = Int(exactly: sourceOffset), let length = Int(exactly: count) else {
      throw unmodelled("a copy this large", call)
    }
    let bytes = content.read(start, count: length)
    guard bytes.count == length else { throw unmodelled("a copy past the source's end", call) }
    try write(target, bytes, at: targetOffset, call)
  }

  /// A reflink clone (FICLONE, as apply makes on XFS or btrfs): the target emptied, then written
  /// with every byte of the source, as a copy is (a crash may keep any of it).
  private mutating func clone(_ call: FileSystemCall) throws {
    guard let target = try file(call, 0) else { return }
    guard case .file(let source)? = descriptors[try call.word(2)], let content = contents[source] else {
      throw unmodelled("a clone from outside the tree", call)
    }
    try resize(target, 0, call)
    try write(target, content.bytes, at: 0, call)
  }

  /// A rename of a file: one unit naming the file by the target and removing the source.
  private mutating func rename(_ call: FileSystemCall, from source: String?, to target: String?) throws {
    guard let source, let target else { throw unmodelled("a rename out of or into the tree", call) }
    guard let node = names[source] else { throw unmodelled("a rename of a name it lacks", call) }
    if node == .directory { throw unmodelled("a directory's rename", call) }
    // POSIX: renaming a name over another name of the same file does nothing.
    guard source != target, names[target] != node else { return }
    try change(
      [PersistenceUnit.NameChange(path: target, node: node), PersistenceUnit.NameChange(path: source, node: nil)], call)
  }

  /// A hard link: a unit naming the file by a second name.
  private mutating func link(_ call: FileSystemCall, from source: String?, to target: String?) throws {
    guard let source, let target, case .file? = names[source], names[target] == nil else {
      throw unmodelled("a link it cannot place", call)
    }
    try change([PersistenceUnit.NameChange(path: target, node: names[source])], call)
  }

  /// An unlink or rmdir: a unit removing the name.
  private mutating func remove(_ call: FileSystemCall, _ path: String?, directory: Bool) throws {
    guard let path else { return }
    guard let node = names[path], (node == .directory) == directory else {
      throw unmodelled("a removal of a name it lacks", call)
    }
    if directory && names.keys.contains(where: { $0.hasPrefix(path + "/") }) {
      throw unmodelled("a removal of a directory that is not empty", call)
    }
    try change([PersistenceUnit.NameChange(path: path, node: nil)], call)
  }

  /// A mkdir: a unit naming a new directory.
  private mutating func makeDirectory(_ call: FileSystemCall, _ path: String?) throws {
    guard let path else { return }
    guard names[path] == nil else { throw unmodelled("a mkdir of a name it holds", call) }
    try change([PersistenceUnit.NameChange(path: path, node: .directory)], call)
  }

  // MARK: Effects

  /// Writes `bytes` at `offset` of `file`: a data unit for each sector touched, then a size unit
  /// when the write ends past the file's size.
  private mutating func write(_ file: Int, _ bytes: [UInt8], at offset: Int64, _ call: FileSystemCall) throws {
    guard let start = Int(exactly: offset), case (let end, false) = start.addingReportingOverflow(bytes.count),
      end <= Int.max - FileSystemModel.sectorSize, var content = contents[file]
    else { throw unmodelled("a write this far out", call) }
    var position = start
    while position < end {
      let sector = position / FileSystemModel.sectorSize
      let sectorEnd = (sector + 1) * FileSystemModel.sectorSize
      let piece = bytes[(position - start)..<(min(end, sectorEnd) - start)]
      let torn = FileSector(file: file, sector: sector)
      let zeros = piece.allSatisfy { $0 == 0 }
      var unit = PersistenceUnit(effect: .data(file: file, offset: position, bytes: Array(piece)), call: calls.count)
      unit.writesNothing = zeros && !touched.contains(torn)
      if !zeros { touched.insert(torn) }
      units.append(unit)
      content.write(piece, at: position)
      position += piece.count
    }
    contents[file] = content
    if end > content.size { try resize(file, Int64(end), call) }
  }

  /// Sets the size of `file`.
  private mutating func resize(_ file: Int, _ size: Int64, _ call: FileSystemCall) throws {
    guard let newSize = Int(exactly: size), newSize <= Int.max - SparseContent.pageSize else {
      throw unmodelled("a size this large", call)
    }
    units.append(PersistenceUnit(effect: .size(file: file, newSize), call: calls.count))
    contents[file]?.resize(newSize)
  }

  /// Changes names at once, in the running tree and as one unit.
  private mutating func change(_ changes: [PersistenceUnit.NameChange], _ call: FileSystemCall) throws {
    for change in changes {
      guard names[TreePath.parent(of: change.path)] == .directory || TreePath.parent(of: change.path).isEmpty else {
        throw unmodelled("a name in a directory it lacks", call)
      }
      names[change.path] = change.node
    }
    units.append(PersistenceUnit(effect: .names(changes), call: calls.count))
  }

  // MARK: Arguments

  /// The file in the tree the descriptor argument at `index` refers to; nil outside the tree.
  private func file(_ call: FileSystemCall, _ index: Int) throws -> Int? {
    let (number, path) = try call.descriptor(index)
    switch descriptors[number] {
    case .file(let file)?: return file
    case .directory?: throw unmodelled("a write to a directory", call)
    case nil:
      if TreePath.relative(path, to: root) != nil { throw unmodelled("a descriptor it did not see opened", call) }
      return nil
    }
  }

  /// The path argument at `index`, relative to the tree; resolved against the directory
  /// descriptor at `directory`, or the working directory when that is nil; nil outside the tree.
  private func path(_ call: FileSystemCall, _ directory: Int?, _ index: Int) throws -> String? {
    let text = try call.string(index)
    let base = try directory.map { try call.descriptor($0).path }
    guard let absolute = resolved(text, in: base) else { throw unmodelled("a relative path", call) }
    return TreePath.relative(absolute, to: root)
  }

  /// `path` made absolute against `directory` (the working directory when nil) and normalised.
  private func resolved(_ path: String, in directory: String?) -> String? {
    if path.hasPrefix("/") { return TreePath.normalized(path) }
    guard let base = directory ?? workingDirectory else { return nil }
    return TreePath.normalized(base + "/" + path)
  }
}

/// The order a manifest's entries are built in: an entry whose `from`, `create.backing_file`
/// or `create.data_file` names another entry's path comes after it; otherwise manifest order.
struct BuildOrder {
  /// Entry indices in build order; entries in a cycle are left out.
  let order: [Int]
  /// For each entry, the entry its `from` names, when it names one.
  let source: [Int?]
  /// One error per cycle, at its first entry, with notes at the others.
  let cycles: [ManifestDiagnostic]

  /// The order of `manifest`'s entries.
  init(_ manifest: Manifest) {
    let images = manifest.images
    let targets = images.map {
      ManifestPaths.canonicalTarget(ManifestPaths.resolve($0.path.value, in: manifest.directory))
    }
    func entry(naming path: String) -> Int? {
      guard let wanted = ManifestPaths.canonicalTarget(path) else { return nil }
      return targets.firstIndex { $0 == wanted }
    }
    var source: [Int?] = []
    var dependencies: [[Int]] = []
    for (index, image) in images.enumerated() {
      let targetDirectory = ManifestPaths.directory(of: ManifestPaths.resolve(image.path.value, in: manifest.directory))
      let from = image.from.flatMap { entry(naming: ManifestPaths.resolve($0.value, in: manifest.directory)) }
      let created = [image.create?.value.backingFile, image.create?.value.dataFile].compactMap { name in
        name.flatMap { entry(naming: ManifestPaths.resolve($0, in: targetDirectory)) }
      }
      source.append(from == index ? nil : from)
      dependencies.append(([from].compactMap { $0 } + created).filter { $0 != index })
    }
    self.source = source
    var state = Array(repeating: 0, count: images.count)  // 0 new, 1 on the path, 2 done
    var order: [Int] = []
    var cycles: [ManifestDiagnostic] = []
    var inCycle = Set<Int>()
    func visit(_ index: Int, path: [Int]) {
      if state[index] == 2 { return }
      if state[index] == 1 {
        guard let start = path.firstIndex(of: index) else { return }
        let members = Array(path[start...])
        guard inCycle.isDisjoint(with: members) else { return }
        inCycle.formUnion(members)
        let names = members.map { "'\(images[$0].path.value)'" }.joined(separator: " -> ")
        cycles.append(
          ManifestDiagnostic(
            mark: images[members[0]].path.mark,
            message: "these entries build from each other in a cycle: \(names) -> '\(images[members[0]].path.value)'",
            notes: members.dropFirst().map {
              ManifestDiagnostic.Note(mark: images[$0].path.mark, message: "'\(images[$0].path.value)' is in the cycle")
            }))
        return
      }
      state[index] = 1
      for dependency in dependencies[index] { visit(dependency, path: path + [index]) }
      state[index] = 2
      order.append(index)
    }
    for index in images.indices { visit(index, path: []) }
    self.order = order.filter { !inCycle.contains($0) }
    self.cycles = cycles
  }
}

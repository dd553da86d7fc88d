/// The tree a crash state leaves, as the model knows it: each name and what it stands for, and
/// for each file a name reaches, the units of its data and size that persisted. Two crash states
/// with equal disks leave the same bytes, so `recover` needs to run on only one of them.
struct CrashDisk: Hashable {
  /// Every name whose directories persisted too, by path relative to the root.
  let names: [String: TreeNode]
  /// For each file a name reaches, its persisted data and size units, in order.
  let fileUnits: [Int: [Int]]

  /// The files some name reaches.
  var files: Set<Int> {
    Set(names.values.compactMap { if case .file(let file) = $0 { file } else { nil } })
  }
}

/// One effect of a traced call that a crash may leave on the disk or lose: the bytes a write put
/// in one 512-byte sector, a file's new size, or a change of names. A crash state is the tree as it was
/// before the apply with some set of units applied, in the order they were made.
struct PersistenceUnit {
  /// A name set to a node, or removed.
  struct NameChange {
    /// The path, relative to the tree's root.
    let path: String
    /// What it names from then on; nil when it is removed.
    let node: TreeNode?
  }

  /// What the unit changes.
  enum Effect {
    /// Bytes written at an offset of a file, within one sector.
    case data(file: Int, offset: Int, bytes: [UInt8])
    /// A file's size set: by ftruncate, an open with O_TRUNC, or a write past the end.
    case size(file: Int, Int)
    /// Names changed at once (a rename is atomic).
    case names([NameChange])
  }

  let effect: Effect
  /// The index, among the trace's effective calls, of the call that made it.
  let call: Int
  /// Whether the unit writes zeros where nothing but zeros ever was: persisted or lost, it leaves
  /// the same bytes, so crash states need not tell the two apart.
  var writesNothing = false

  /// The file whose data or size the unit changes; nil for names.
  var file: Int? {
    switch effect {
    case .data(let file, _, _), .size(let file, _): file
    case .names: nil
    }
  }

  /// Whether the unit is metadata (a size or names), which ext4 journals in order, rather than data.
  var isMetadata: Bool {
    if case .data = effect { return false }
    return true
  }

  /// The directories whose sync makes the names durable: each changed name's parent.
  var directories: Set<String> {
    guard case .names(let changes) = effect else { return [] }
    return Set(changes.map { TreePath.parent(of: $0.path) })
  }
}

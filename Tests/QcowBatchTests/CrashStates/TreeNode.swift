/// What a name in a modelled directory tree stands for.
enum TreeNode: Hashable {
  /// A regular file, by the number the model gives its inode (hard links share it).
  case file(Int)
  /// A directory.
  case directory
}

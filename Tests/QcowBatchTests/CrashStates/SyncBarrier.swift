/// A sync in the trace, and what it makes durable under the POSIX model.
struct SyncBarrier {
  /// What one sync covers.
  enum Scope: Equatable {
    /// `fsync` or `fdatasync` of a file: its data and size.
    case file(Int)
    /// `fsync` of a directory (by its path in the tree): the names in it.
    case directory(String)
    /// `syncfs` or `sync`: everything.
    case everything
  }

  /// The index of the sync among the trace's effective calls.
  let call: Int
  let scope: Scope
}

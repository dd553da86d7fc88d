/// A named place in an image's metadata, resolved through the image's own tables.
public enum Location: Sendable, Equatable {
  /// Which snapshot or bitmap an entry names.
  public enum Selector: Sendable, Equatable {
    case index(OffsetExpression)
    case id(String)
    case name(String)
  }

  /// Entry N of the active L1 table.
  case l1(OffsetExpression)
  /// The L2 entry that maps a guest offset.
  case l2(vaddr: OffsetExpression)
  /// Entry N of the refcount table.
  case refcountTable(OffsetExpression)
  /// The refcount of host cluster N.
  case refcountCluster(OffsetExpression)
  /// The refcounts of the clusters holding host offsets `start..<end` (one when `end` is nil).
  case refcountHost(OffsetExpression, end: OffsetExpression?)
  /// A field of a snapshot table entry.
  case snapshotField(Selector, RecordField)
  /// Entry K of a snapshot's L1 table.
  case snapshotL1(Selector, OffsetExpression)
  /// A field of a bitmap directory entry.
  case bitmapField(Selector, RecordField)
}

/// An offset or count written as terms joined with `+` and `-`: numbers (with k, M, G, T
/// suffixes), `cluster`, and the host offsets of structures (`@l1_table`, `@eof`, ...).
public struct OffsetExpression: Sendable, Equatable {
  /// One term with its sign.
  public struct Term: Sendable, Equatable {
    /// Whether the term is subtracted.
    public let negative: Bool
    /// What the term stands for.
    public let value: Value
    /// 1-based column of the term in the text it was parsed from.
    public let column: Int
  }

  /// What a term stands for.
  public indirect enum Value: Sendable, Equatable {
    /// A number.
    case number(UInt64)
    /// The cluster size.
    case cluster
    /// The host offset of a structure.
    case structure(Structure)
  }

  /// A structure whose host offset a term names.
  public indirect enum Structure: Sendable, Equatable {
    case l1Table, refcountTable, snapshotTable, bitmapDirectory, eof
    /// Refcount block N (through the refcount table).
    case refcountBlock(OffsetExpression)
    /// The L2 table that maps a guest offset.
    case l2Table(vaddr: OffsetExpression)
    /// The data cluster that maps a guest offset.
    case data(vaddr: OffsetExpression)
    /// Snapshot N's L1 table.
    case snapshotL1Table(OffsetExpression)
  }

  /// The terms, in order.
  public let terms: [Term]

  /// A plain number.
  public static func number(_ value: UInt64) -> OffsetExpression {
    OffsetExpression(terms: [Term(negative: false, value: .number(value), column: 1)])
  }

  /// The value when the expression is a plain number.
  public var constant: UInt64? {
    guard terms.count == 1, let term = terms.first, !term.negative, case .number(let value) = term.value else {
      return nil
    }
    return value
  }
}

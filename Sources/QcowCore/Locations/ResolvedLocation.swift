/// A location resolved on an image: where its bytes are, what they hold and how they decode.
public struct ResolvedLocation: Sendable {
  /// What the bytes are.
  public enum Kind: Sendable, Equatable {
    /// A table entry with bit fields.
    case entry(EntryKind)
    /// A refcount of `bits` bits; narrower than a byte, it sits `shift` bits up in its byte.
    case refcount(bits: Int, shift: Int)
    /// A field of a snapshot or bitmap directory entry.
    case record(RecordField)
  }

  /// The location in canonical form, e.g. `l2[vaddr=0x10000]`.
  public let name: String
  /// Host offset of the first byte.
  public let offset: UInt64
  /// What the bytes are.
  public let kind: Kind
  /// The bytes as they are now.
  public let bytes: [UInt8]

  /// Reads the location's bytes from `image`; fails when they are past its end.
  init(name: String, offset: UInt64, kind: Kind, image: any ImageSource) throws {
    let count = ResolvedLocation.byteCount(kind)
    guard image.contains(offset: offset, count: UInt64(count)) else {
      throw QcowError(
        "\(name) (\(count) bytes at \(hex(offset))) lies past the end of the file (\(image.size) bytes)")
    }
    self.name = name
    self.offset = offset
    self.kind = kind
    bytes = try image.read(at: offset, count: count, what: name)
  }

  private static func byteCount(_ kind: Kind) -> Int {
    switch kind {
    case .entry(let entry): return entry.bytes
    case .refcount(let bits, _): return max(1, bits / 8)
    case .record(let field): return field.width
    }
  }

  /// Where the value is, for people: the offset, and the bits for a refcount narrower than a byte.
  public var place: String {
    guard case .refcount(let bits, let shift) = kind, bits < 8 else { return hex(offset) }
    return bits == 1 ? "\(hex(offset)) bit \(shift)" : "\(hex(offset)) bits \(shift)-\(shift + bits - 1)"
  }

  /// The entry's 64-bit words (one, or two for an extended L2 entry).
  public var words: [UInt64] {
    stride(from: 0, to: bytes.count, by: 8).compactMap { bytes.uint64(at: $0) }
  }

  /// The raw value: an entry's first word, the refcount, or the record field.
  public var value: UInt64 { value(of: bytes) }

  /// The largest raw value the location holds.
  public var maximum: UInt64 {
    switch kind {
    case .entry: return .max
    case .refcount(let bits, _): return bits >= 64 ? .max : (1 << UInt64(bits)) - 1
    case .record(let field): return field.maximum
    }
  }

  private func value(of bytes: [UInt8]) -> UInt64 {
    switch kind {
    case .entry: return bytes.uint64(at: 0) ?? 0
    case .refcount(let bits, let shift) where bits < 8:
      return UInt64((bytes.first ?? 0) >> UInt8(shift)) & maximum
    case .refcount, .record: return bytes.bigEndianValue(at: 0, width: bytes.count) ?? 0
    }
  }

  /// The entry fields of the location (none for refcounts and record fields).
  public var fields: [EntryField] {
    if case .entry(let entry) = kind { return entry.fields }
    return []
  }

  /// The value of the entry field `name`.
  public func field(_ name: String) throws -> UInt64 {
    guard let field = fields.first(where: { $0.name == name }) else {
      throw QcowError("\(name) is not a field of \(kindName) (\(fieldList))")
    }
    return field.value(in: words.indices.contains(field.word) ? words[field.word] : 0)
  }

  /// The kind's name in messages.
  public var kindName: String {
    switch kind {
    case .entry(let entry): return ("Le".contains(entry.name.prefix(1)) ? "an " : "a ") + entry.name
    case .refcount(let bits, _): return "a \(bits)-bit refcount"
    case .record(let field): return "the \(field.width * 8)-bit field \(field.name)"
    }
  }

  private var fieldList: String {
    fields.isEmpty ? "it takes only 'value'" : "its fields: " + fields.map(\.name).joined(separator: ", ")
  }

  /// The bytes after storing `value` as the raw value (an entry's first word).
  public func storing(value: UInt64) throws -> [UInt8] {
    guard value <= maximum else {
      throw QcowError("\(name): value \(hex(value)) does not fit \(kindName)")
    }
    switch kind {
    case .refcount(let bits, let shift) where bits < 8:
      let mask = UInt8(truncatingIfNeeded: maximum) << UInt8(shift)
      let old = bytes.first ?? 0
      return [old & ~mask | UInt8(truncatingIfNeeded: value) << UInt8(shift)]
    case .entry:
      var result: [UInt8] = []
      result.appendBigEndian(value, width: 8)
      return result + bytes.dropFirst(8)
    case .refcount, .record:
      var result: [UInt8] = []
      result.appendBigEndian(value, width: bytes.count)
      return result
    }
  }

  /// The bytes after storing `values` in the named entry fields; the other bits stay.
  public func storing(fields values: [(String, UInt64)]) throws -> [UInt8] {
    var words = self.words
    for (name, value) in values {
      guard let field = fields.first(where: { $0.name == name }) else {
        throw QcowError("\(self.name): '\(name)' is not a field of \(kindName) (\(fieldList))")
      }
      guard words.indices.contains(field.word), let stored = field.storing(value, in: words[field.word]) else {
        let room =
          field.inPlace
          ? "a multiple of 2^\(field.shift) below 2^\(field.shift + field.bits)" : "\(field.bits) bits"
        throw QcowError("\(self.name): \(name) \(hex(value)) does not fit the field (\(room))")
      }
      words[field.word] = stored
    }
    var result: [UInt8] = []
    for word in words {
      result.appendBigEndian(word, width: 8)
    }
    return result
  }

  /// `bytes` decoded: the fields of an entry (`offset 0x50000 copied`), else the value.
  public func describe(_ bytes: [UInt8]) -> String {
    guard case .entry(let entry) = kind else { return hex(value(of: bytes)) }
    let words = stride(from: 0, to: bytes.count, by: 8).compactMap { bytes.uint64(at: $0) }
    var parts: [String] = []
    var known = Array(repeating: UInt64(0), count: words.count)
    for field in entry.fields where words.indices.contains(field.word) {
      known[field.word] |= field.mask
      let value = field.value(in: words[field.word])
      if field.isFlag {
        if value == 1 { parts.append(field.name) }
      } else if field.inPlace || value != 0 || field.word == 0 {
        parts.append("\(field.name) \(hex(value))")
      }
    }
    for (index, word) in words.enumerated() where word & ~known[index] != 0 {
      parts.append("reserved \(hex(word & ~known[index]))")
    }
    return parts.joined(separator: " ")
  }

  /// `bytes` decoded as JSON: the raw value and each field.
  public func json(_ bytes: [UInt8]) -> JSONValue {
    var members: [(String, JSONValue)] = [("value", .number(value(of: bytes)))]
    let words = stride(from: 0, to: bytes.count, by: 8).compactMap { bytes.uint64(at: $0) }
    for field in fields where words.indices.contains(field.word) {
      members.append((field.name, .number(field.value(in: words[field.word]))))
    }
    return .object(members)
  }
}

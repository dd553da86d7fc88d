import Glibc
import QcowCore

extension ManifestLoader {
  /// The most setup steps one image may have.
  static let setupLimit = 10_000

  /// The steps of a `setup:` sequence; steps with errors are reported and left out.
  mutating func setupSteps(_ node: YAMLNode) -> [ManifestImage.Located<SetupStep>] {
    guard case .sequence(let items) = node.content else {
      error(node.mark, "'setup' must be a sequence, found \(node.kindName)")
      return []
    }
    guard items.count <= ManifestLoader.setupLimit else {
      error(node.mark, "more than \(ManifestLoader.setupLimit) setup steps for one image")
      return []
    }
    return items.compactMap { item in setupStep(item).map { ManifestImage.Located(value: $0, mark: item.mark) } }
  }

  private mutating func setupStep(_ node: YAMLNode) -> SetupStep? {
    guard case .mapping(let pairs) = node.content, pairs.count == 1, let pair = pairs.first,
      let name = pair.key.scalar
    else {
      error(node.mark, "a setup step is a mapping with one step key, e.g. 'write: {offset: 0, length: 64k}'")
      return nil
    }
    guard let operation = SetupOperation(rawValue: name) else {
      error(pair.key.mark, "unknown setup step '\(name)'\(Suggestion.text(for: name, among: SetupOperation.names))")
      return nil
    }
    guard let keys = mapping(pair.value, operation.mapping) else { return nil }
    if operation == .snapshot {
      guard let nameNode = keys["name"], let snapshotName = string(nameNode, what: "name") else { return nil }
      let date: UInt64?
      if let dateNode = keys["date"] {
        guard let value = number(dateNode, what: "date") else { return nil }
        guard value <= UInt64(UInt32.max) else {
          error(dateNode.mark, "date \(value) does not fit the snapshot table's 32-bit seconds")
          return nil
        }
        date = value
      } else {
        date = nil
      }
      let (seconds, nanoseconds) = ManifestLoader.snapshotDate(date)
      return .snapshot(name: snapshotName, seconds: seconds, nanoseconds: nanoseconds)
    }
    let offset = keys["offset"].flatMap { size($0, what: "offset") }
    let length = keys["length"].flatMap { size($0, what: "length") }
    var pattern: UInt8 = 0xcd
    if let patternNode = keys["pattern"] {
      guard let value = number(patternNode, what: "pattern") else { return nil }
      guard let byte = UInt8(exactly: value) else {
        error(patternNode.mark, "pattern \(value) is not a byte (0 to 0xff)")
        return nil
      }
      pattern = byte
    }
    guard let offset, let length else { return nil }
    switch operation {
    case .write: return .write(offset: offset, length: length, pattern: pattern)
    case .writeZeroes: return .writeZeroes(offset: offset, length: length)
    case .discard: return .discard(offset: offset, length: length)
    case .writeCompressed: return .writeCompressed(offset: offset, length: length, pattern: pattern)
    case .snapshot: return nil
    }
  }

  /// A byte count or offset: the number syntax, or a size with a suffix (`64k`, `1536k`, `2G`).
  private mutating func size(_ node: YAMLNode, what: String) -> UInt64? {
    guard let text = string(node, what: what) else { return nil }
    if let number = PythonInteger(text), let value = number.value { return value }
    guard let value = QemuSize.parse(text) else {
      error(node.mark, "'\(text)' is not a valid size for '\(what)' (a number, or with k, M, G, T suffixes)")
      return nil
    }
    return value
  }

  /// A snapshot's date as qemu-img takes it: `date` when given, else SOURCE_DATE_EPOCH, else
  /// the current time (microseconds, as nanoseconds).
  static func snapshotDate(_ date: UInt64?) -> (UInt32, UInt32) {
    if let date { return (UInt32(truncatingIfNeeded: date), 0) }
    if let text = getenv("SOURCE_DATE_EPOCH").map({ String(cString: $0) }), let epoch = UInt32(text) {
      return (epoch, 0)
    }
    var now = timeval()
    gettimeofday(&now, nil)
    return (UInt32(truncatingIfNeeded: now.tv_sec), UInt32(truncatingIfNeeded: now.tv_usec * 1000))
  }
}

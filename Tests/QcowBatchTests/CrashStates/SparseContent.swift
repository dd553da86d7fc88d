/// A file's bytes as 4 KiB pages, pages of zeros left out, and its size: what a crash state
/// holds for one file, compared and written cheaply.
struct SparseContent: Equatable {
  /// The page size.
  static let pageSize = 4096

  /// The file's size; bytes past it are not part of the file.
  private(set) var size: Int
  /// The pages holding a byte other than zero, by index; each is `pageSize` bytes long.
  private(set) var pages: [Int: [UInt8]]

  /// An empty file.
  init() {
    size = 0
    pages = [:]
  }

  /// A file holding `bytes`.
  init(bytes: [UInt8]) {
    self.init()
    write(bytes[...], at: 0)
    size = bytes.count
  }

  /// Writes `bytes` at `offset`, without changing the size (a write past the size shows once a
  /// size change covers it).
  mutating func write(_ bytes: ArraySlice<UInt8>, at offset: Int) {
    var position = offset
    var rest = bytes
    while !rest.isEmpty {
      let page = position / SparseContent.pageSize
      let within = position % SparseContent.pageSize
      let count = min(rest.count, SparseContent.pageSize - within)
      var data = pages[page] ?? [UInt8](repeating: 0, count: SparseContent.pageSize)
      data.replaceSubrange(within..<within + count, with: rest.prefix(count))
      pages[page] = data.allSatisfy { $0 == 0 } ? nil : data
      rest = rest.dropFirst(count)
      position += count
    }
  }

  /// Sets the size: bytes past a smaller size are gone, a larger size reads as zeros.
  mutating func resize(_ newSize: Int) {
    if newSize < size {
      let boundary = newSize / SparseContent.pageSize
      pages = pages.filter { $0.key <= boundary }
      if pages[boundary] != nil {
        write(ArraySlice(repeating: 0, count: SparseContent.pageSize - newSize % SparseContent.pageSize), at: newSize)
      }
    }
    size = newSize
  }

  /// The `count` bytes from `offset`, or fewer where the file ends.
  func read(_ offset: Int, count: Int) -> [UInt8] {
    guard offset < size else { return [] }
    let end = count > size - offset ? size : offset + count
    var bytes: [UInt8] = []
    bytes.reserveCapacity(end - offset)
    var position = offset
    while position < end {
      let page = position / SparseContent.pageSize
      let within = position % SparseContent.pageSize
      let take = min(end - position, SparseContent.pageSize - within)
      if let data = pages[page] {
        bytes.append(contentsOf: data[within..<within + take])
      } else {
        bytes.append(contentsOf: repeatElement(0, count: take))
      }
      position += take
    }
    return bytes
  }

  /// A hash of the size and bytes, to tell contents apart quickly: equal contents have equal
  /// digests (within one process).
  var digest: Int {
    var hasher = Hasher()
    hasher.combine(size)
    for page in pages.keys.sorted() {
      hasher.combine(page)
      pages[page]?.withUnsafeBytes { hasher.combine(bytes: $0) }
    }
    return hasher.finalize()
  }

  /// Every byte of the file.
  var bytes: [UInt8] { read(0, count: size) }
}

import QcowCore
import Testing

/// Edits of real images: the exact bytes written, and the refusals.
@Suite("HeaderArea edits and writes back")
struct HeaderAreaEditTests {
  /// Reads `image`, applies `edits` and returns the area.
  private func edited(_ image: ScratchImage, _ edits: [HeaderEdit]) throws -> HeaderArea {
    var area = try image.readArea()
    for edit in edits {
      try area.apply(edit)
    }
    return area
  }

  @Test("encoded() returns the expected bytes", arguments: EditVector.all)
  func encode(_ vector: EditVector) throws {
    let image = try ScratchImage.create(vector.kind)
    defer { image.remove() }
    try image.store(vector.before)
    let original = try image.contents()
    var expected = Array(original.prefix(vector.end))
    for patch in vector.changes {
      try patch.apply(to: &expected)
    }
    #expect(expected.count == vector.end)
    let area = try edited(image, vector.edits)
    #expect(area.usedBytes() == UInt64(vector.end))
    let result = try image.encoded(area).applied(to: original)
    #expect(Array(result.prefix(vector.end)) == expected)
    #expect(result.dropFirst(vector.end) == original.dropFirst(vector.end), "bytes past the area untouched")
  }

  @Test("write(to:) stores exactly the encoded bytes, and reading them back is stable", arguments: EditVector.all)
  func write(_ vector: EditVector) throws {
    let image = try ScratchImage.create(vector.kind)
    defer { image.remove() }
    try image.store(vector.before)
    let original = try image.contents()
    let area = try edited(image, vector.edits)
    let encoded = try image.encoded(area)
    try image.write(area)
    let written = try image.contents()
    #expect(written.count == original.count)
    #expect(written == encoded.applied(to: original))
    let reread = try image.readArea()
    #expect(try image.encoded(reread).applied(to: written) == written, "writing it again changes nothing")
    #expect(reread.extensions.map(\.magic) == area.extensions.map(\.magic))
    #expect(reread.extensions.map(\.data) == area.extensions.map(\.data))
  }

  @Test("refused edits throw a one-line error and leave the file untouched", arguments: RefusalVector.all)
  func refuse(_ vector: RefusalVector) throws {
    let image = try ScratchImage.create(vector.kind)
    defer { image.remove() }
    try image.store(vector.before)
    let original = try image.contents()
    var area = try image.readArea()
    let error: QcowError?
    switch vector.stage {
    case .apply:
      for edit in vector.edits.dropLast() {
        try area.apply(edit)
      }
      let last = try #require(vector.edits.last)
      error = #expect(throws: QcowError.self) { try area.apply(last) }
    case .encode:
      for edit in vector.edits {
        try area.apply(edit)
      }
      error = #expect(throws: QcowError.self) { try image.encoded(area) }
      #expect(throws: QcowError.self) { try image.write(area) }
    }
    let message = try #require(error).message
    #expect(message.contains(vector.message), "\(message)")
    #expect(!message.contains("\n"))
    #expect(try image.contents() == original)
  }

  @Test("an added extension fits the first cluster up to its last byte", arguments: CapacityVector.all)
  func capacity(_ vector: CapacityVector) throws {
    let image = try ScratchImage.create(vector.kind)
    defer { image.remove() }
    let area = try edited(image, [.addExtension(magic: 9, data: Array(repeating: 0x61, count: vector.length))])
    if let end = vector.end {
      #expect(try image.encoded(area).end == UInt64(end))
    } else {
      #expect(throws: QcowError.self) { try image.encoded(area) }
    }
  }

  @Test("an extension with magic 0 put in the list directly is refused on encode")
  func magicZeroInList() throws {
    let image = try ScratchImage.create(.cluster4k)
    defer { image.remove() }
    var area = try image.readArea()
    area.extensions.append(HeaderExtension(magic: 0, data: []))
    #expect(throws: QcowError.self) { try image.encoded(area) }
  }

  @Test(
    "apply counts the changes; a deletion counts the extensions removed",
    arguments: [
      (HeaderEdit.deleteExtensions(magic: 7), 3), (.deleteExtensions(magic: 8), 1), (.deleteExtensions(magic: 5), 0),
      (.deleteExtensions(magic: ImageKind.featureTable), 1), (.setField(.size, 1), 1),
      (.setFeatureBit(.autoclear, 5), 1), (.addExtension(magic: 5, data: []), 1),
    ])
  func counts(_ edit: HeaderEdit, _ count: Int) throws {
    let image = try ScratchImage.create(.v3)
    defer { image.remove() }
    var area = try edited(
      image, [7, 8, 7, 7].map { HeaderEdit.addExtension(magic: $0, data: [UInt8(truncatingIfNeeded: $0)]) })
    #expect(try area.apply(edit) == count)
  }

  @Test("every field accepts its maximum and refuses one more", arguments: HeaderField.all)
  func maximum(_ field: HeaderField) throws {
    let image = try ScratchImage.create(.v3)
    defer { image.remove() }
    var area = try image.readArea()
    try area.apply(.setField(field, field.maximum))
    #expect(area.header[field] == field.maximum)
    if field.maximum < .max {
      #expect(throws: QcowError.self) { try area.apply(.setField(field, field.maximum + 1)) }
      #expect(area.header[field] == field.maximum, "a refused edit changes nothing")
    }
  }
}

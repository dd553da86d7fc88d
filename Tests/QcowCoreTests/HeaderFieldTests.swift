import QcowCore
import Testing

/// The header field table and the display formats.
@Suite("Header fields and display formats")
struct HeaderFieldTests {
  @Test("FieldFormat.render prints like qcow2.py", arguments: RenderVector.all)
  func render(_ vector: RenderVector) {
    #expect(vector.format.render(vector.value) == vector.expected)
  }

  @Test(
    "setBits lists the set bits in ascending order",
    arguments: [
      (0, []), (1, [0]), (0x8000_0000_0000_0001, [0, 63]), (0x16, [1, 2, 4]), (.max, Array(0..<64)),
    ] as [(UInt64, [Int])])
  func setBits(_ value: UInt64, _ bits: [Int]) {
    #expect(FieldFormat.setBits(of: value) == bits)
  }

  @Test("every field has the specified name, offset, width, format and maximum", arguments: FieldSpec.all.indices)
  func field(_ index: Int) throws {
    let spec = FieldSpec.all[index]
    let field = try #require(HeaderField.all.indices.contains(index) ? HeaderField.all[index] : nil)
    #expect(field.name == spec.name)
    #expect(field.offset == spec.offset)
    #expect(field.width == spec.width)
    #expect(field.format == spec.format)
    #expect(field.version2Value == spec.version2Value)
    #expect(field.maximum == spec.maximum)
    #expect(field.index == index)
    #expect(field.inQcow2Py == (spec.name != "compression_type"))
    #expect(HeaderField.named(spec.name) == field)
  }

  @Test("the tables have qcow2.py's 18 fields in order, then compression_type")
  func tables() {
    #expect(HeaderField.all.count == FieldSpec.all.count)
    #expect(HeaderField.qcow2Py.map(\.name) == FieldSpec.qcow2Py.map(\.name))
    #expect(HeaderField.qcow2Py.reduce(0) { $0 + $1.width } == Header.version3Length)
    #expect(HeaderField.compressionType.name == "compression_type")
    #expect(HeaderField.compressionType.offset == 104)
    #expect(HeaderField.compressionType.width == 1)
    #expect(HeaderField.named("nonexistent") == nil)
    #expect(HeaderField.named("snapshots_offset") == nil, "qcow2.py spells it snapshot_offset")
  }

  @Test("fields are contiguous: each starts where the previous one ends", arguments: FieldSpec.all.indices.dropFirst())
  func contiguous(_ index: Int) {
    #expect(HeaderField.all[index].offset == HeaderField.all[index - 1].offset + HeaderField.all[index - 1].width)
  }

  @Test("named constants are the table's entries")
  func constants() {
    let constants: [HeaderField] = [
      .magic, .version, .backingFileOffset, .backingFileSize, .clusterBits, .size, .cryptMethod, .l1Size,
      .l1TableOffset, .refcountTableOffset, .refcountTableClusters, .nbSnapshots, .snapshotOffset,
      .incompatibleFeatures, .compatibleFeatures, .autoclearFeatures, .refcountOrder, .headerLength,
      .compressionType,
    ]
    #expect(constants == HeaderField.all)
  }

  @Test("presence by version and header_length", arguments: PresenceVector.all)
  func presence(_ vector: PresenceVector) {
    let field = HeaderField.all[vector.index]
    #expect(field.isPresent(version: vector.version, headerLength: vector.headerLength) == vector.present)
  }
}

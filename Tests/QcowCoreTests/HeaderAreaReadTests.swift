import QcowCore
import Testing

/// Reading images qemu-img made, and writing them back unedited.
@Suite("HeaderArea reads qemu-img images")
struct HeaderAreaReadTests {
  @Test("the layout read matches what qemu-img wrote", arguments: ImageKind.allCases)
  func layout(_ kind: ImageKind) throws {
    let image = try ScratchImage.create(kind)
    defer { image.remove() }
    let area = try image.readArea()
    #expect(area.header.version == kind.version)
    #expect(area.clusterSize.bytes == UInt64(kind.clusterSize))
    #expect(area.extensions.map(\.magic) == kind.extensionMagics)
    #expect(area.extensions.map(\.offset) == kind.extensionOffsets.map { UInt64($0) })
    #expect(area.backingFileName == (kind.hasBacking ? Array("base.qcow2".utf8) : nil))
    #expect(area.header[.backingFileOffset] == UInt64(kind.backingNameOffset ?? 0))
    let layout = area.layout()
    #expect(layout.backingNameOffset == kind.backingNameOffset.map { UInt64($0) })
    #expect(layout.end == UInt64(kind.areaEnd))
    #expect(area.usedBytes() == UInt64(kind.areaEnd))
  }

  @Test("unedited, encoded(over:) writes qemu-img's bytes again exactly", arguments: ImageKind.allCases)
  func unchangedRoundTrip(_ kind: ImageKind) throws {
    let image = try ScratchImage.create(kind)
    defer { image.remove() }
    let original = try image.contents()
    let encoded = try image.encoded(try image.readArea())
    #expect(encoded.end == UInt64(kind.areaEnd))
    #expect(encoded.applied(to: original) == original)
  }

  @Test("version 2 implies the last five fields whatever bytes 72..103 hold", arguments: [ImageKind.v2, .backingV2])
  func version2Defaults(_ kind: ImageKind) throws {
    let image = try ScratchImage.create(kind)
    defer { image.remove() }
    // Make bytes 72..103 non-zero where they are not extension data already.
    if kind == .v2 {
      try image.store([Patch(80, "ffffffffffffffff ffffffffffffffff ffffffffffffffff")])
    }
    let area = try image.readArea()
    let implied: [(HeaderField, UInt64)] = [
      (.incompatibleFeatures, 0), (.compatibleFeatures, 0), (.autoclearFeatures, 0), (.refcountOrder, 4),
      (.headerLength, 72), (.compressionType, 0),
    ]
    for (field, value) in implied {
      #expect(area.header[field] == value, "\(field.name)")
    }
  }

  @Test(
    "compression_type is read only when header_length is past byte 104",
    arguments: [
      (ImageKind.zstd, [Patch](), UInt64(1)),
      (.v3, [], 0),
      (.cluster4k, [Patch(104, "02")], 2),
      (.cluster4k, [Patch(100, "00000068"), Patch(104, "00000000 00000000")], 0),
    ])
  func compressionType(_ kind: ImageKind, _ patches: [Patch], _ expected: UInt64) throws {
    let image = try ScratchImage.create(kind)
    defer { image.remove() }
    try image.store(patches)
    #expect(try image.readArea().header[.compressionType] == expected)
  }

  @Test("QEMU's feature table decodes to its eight names")
  func featureTable() throws {
    let image = try ScratchImage.create(.v3)
    defer { image.remove() }
    let table = try #require(try image.readArea().extensions.first)
    #expect(table.data.count == 384)
    let entries = FeatureTableEntry.decode(table.data)
    #expect(entries.map(\.type) == [0, 0, 0, 0, 0, 1, 2, 2])
    #expect(entries.map(\.bit) == [0, 1, 2, 3, 4, 0, 0, 1])
    #expect(
      entries.map(\.name) == [
        "dirty bit", "corrupt bit", "external data file", "compression type", "extended L2 entries",
        "lazy refcounts", "bitmaps", "raw external data",
      ])
    #expect(table.dataDisplay == "<binary>")
  }

  @Test("the Bitmaps extension and its directory and table are decoded")
  func bitmaps() throws {
    let image = try ScratchImage.create(.bitmaps)
    defer { image.remove() }
    let area = try image.readArea()
    let bitmaps = try #require(area.extensions.first?.bitmaps)
    #expect(bitmaps.nbBitmaps == 1)
    #expect(bitmaps.directory.map(\.name) == ["bitmap0"])
    let entry = try #require(bitmaps.directory.first)
    #expect(entry.flagNames == ["auto"])
    #expect(entry.granularityBits == 12, "one bit per 4 KiB cluster")
    let table = try ImageFile.withFile(image.path) { try entry.readTable(from: $0) }
    #expect(table.map(\.type) == Array(repeating: "all-zeroes", count: Int(entry.tableSize)))
  }

  @Test(
    "text extensions show their data",
    arguments: [
      (ImageKind.backing, "'qcow2'"), (.dataFile, "'data.raw'"),
    ])
  func textData(_ kind: ImageKind, _ display: String) throws {
    let image = try ScratchImage.create(kind)
    defer { image.remove() }
    #expect(try image.readArea().extensions.first?.dataDisplay == display)
  }
}

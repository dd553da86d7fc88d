import QcowCore
import Testing

/// Edits of a qemu-img image with the bytes `encoded()` must return for them.
struct EditVector: Sendable, CustomTestStringConvertible {
  /// What the vector exercises.
  let name: String
  /// The image edited.
  let kind: ImageKind
  /// Bytes stored in the image before it is read.
  var before: [Patch] = []
  /// The edits, applied in order.
  let edits: [HeaderEdit]
  /// The expected result: the image's first `end` bytes with these patches.
  let changes: [Patch]
  /// The expected length of the encoded area.
  let end: Int

  var testDescription: String { name }

  /// "base.qcow2" in hex.
  static let baseName = "626173652e71636f7732"
  /// The end-of-extensions marker.
  static let endMarker = "0000000000000000"

  static let all: [EditVector] = [
    EditVector(
      name: "set a u64 field", kind: .v3, edits: [.setField(.size, 0x1_0000_0000)],
      changes: [Patch(24, "00000001 00000000")], end: 512),
    EditVector(
      name: "set a u32 field to its maximum", kind: .v3, edits: [.setField(.l1Size, 0xffff_ffff)],
      changes: [Patch(36, "ffffffff")], end: 512),
    EditVector(
      name: "set feature bits", kind: .v3,
      edits: [.setFeatureBit(.compatible, 0), .setFeatureBit(.incompatible, 63), .setFeatureBit(.autoclear, 1)],
      changes: [Patch(72, "8000000000000000 0000000000000001 0000000000000002")], end: 512),
    EditVector(
      name: "clear a feature bit", kind: .lazy, edits: [.clearFeatureBit(.compatible, 0)],
      changes: [Patch(80, "0000000000000000")], end: 512),
    EditVector(
      name: "an added extension is padded and followed by the end marker", kind: .v3,
      edits: [.addExtension(magic: 0x1234_5678, data: Array("abc".utf8))],
      changes: [Patch(504, "12345678 00000003 6162630000000000" + endMarker)], end: 528),
    EditVector(
      name: "an 8-byte extension needs no padding", kind: .cluster4k,
      edits: [.addExtension(magic: 0xdead_beef, data: Array("ABCDEFGH".utf8))],
      changes: [Patch(112, "deadbeef 00000008 4142434445464748" + endMarker)], end: 136),
    EditVector(
      name: "an empty extension", kind: .cluster4k, edits: [.addExtension(magic: 1, data: [])],
      changes: [Patch(112, "00000001 00000000" + endMarker)], end: 128),
    EditVector(
      name: "the backing name moves after the new end marker", kind: .backing,
      edits: [.addExtension(magic: 0x1234_5678, data: Array("hello".utf8))],
      changes: [
        Patch(8, "0000000000000220"),
        Patch(520, "12345678 00000005 68656c6c6f000000" + endMarker + baseName),
      ],
      end: 554),
    EditVector(
      name: "deleting the feature table moves the backing name back", kind: .backing,
      edits: [.deleteExtensions(magic: ImageKind.featureTable)],
      changes: [Patch(8, "0000000000000088"), Patch(128, endMarker + baseName)], end: 146),
    EditVector(
      name: "version 2: the backing name moves too", kind: .backingV2,
      edits: [.addExtension(magic: 0xabcd_ef01, data: [1, 2, 3, 4, 5, 6, 7, 8, 9])],
      changes: [
        Patch(8, "0000000000000078"),
        Patch(88, "abcdef01 00000009 0102030405060708 0900000000000000" + endMarker + baseName),
      ],
      end: 130),
    EditVector(
      name: "version 2: all 72 header bytes are written, byte 71 included", kind: .v2,
      edits: [.setField(.snapshotOffset, 0x0102_0304_0506_0708)],
      changes: [Patch(64, "0102030405060708")], end: 80),
    EditVector(
      name: "version 2: the version 3 fields never reach the disk", kind: .v2,
      edits: [
        .setField(.refcountOrder, 5), .setFeatureBit(.incompatible, 0), .setField(.compressionType, 1),
        .setField(.autoclearFeatures, 3),
      ],
      changes: [], end: 80),
    EditVector(
      name: "compression_type is written when edited and present", kind: .v3,
      edits: [.setField(.compressionType, 1)], changes: [Patch(104, "01")], end: 512),
    EditVector(
      name: "compression_type is cleared when edited", kind: .zstd,
      edits: [.setField(.compressionType, 0)], changes: [Patch(104, "00")], end: 512),
    EditVector(
      name: "compression_type is kept when not edited", kind: .zstd, edits: [.setField(.size, 0)],
      changes: [Patch(24, "0000000000000000")], end: 512),
    EditVector(
      name: "compression_type is not written when header_length is 104", kind: .cluster4k,
      edits: [
        .setField(.headerLength, 104), .setField(.compressionType, 1),
        .addExtension(magic: 0x1122_3344, data: Array("xyz".utf8)),
      ],
      changes: [Patch(100, "00000068"), Patch(104, "11223344 00000003 78797a0000000000" + endMarker)], end: 128),
    EditVector(
      name: "bytes 105..111 are preserved", kind: .v3, before: [Patch(105, "a1a2a3a4a5a6a7")],
      edits: [.setField(.size, 1), .addExtension(magic: 2, data: [0xff])],
      changes: [Patch(24, "0000000000000001"), Patch(504, "00000002 00000001 ff00000000000000" + endMarker)],
      end: 528),
    EditVector(
      name: "bytes 104..127 of a 128-byte header are preserved", kind: .cluster4k,
      before: [Patch(100, "00000080"), Patch(104, "01a1a2a3a4a5a6a7 b0b1b2b3b4b5b6b7 c0c1c2c3c4c5c6c7")],
      edits: [.addExtension(magic: 0x55, data: Array("q".utf8))],
      changes: [Patch(128, "00000055 00000001 7100000000000000" + endMarker)], end: 152),
    EditVector(
      name: "only byte 104 changes when compression_type is edited in a 128-byte header", kind: .cluster4k,
      before: [Patch(100, "00000080"), Patch(104, "01a1a2a3a4a5a6a7 b0b1b2b3b4b5b6b7 c0c1c2c3c4c5c6c7")],
      edits: [.setField(.compressionType, 0)], changes: [Patch(104, "00")], end: 136),
    EditVector(
      name: "deleting removes every extension with the magic", kind: .v3,
      edits: [
        .addExtension(magic: 7, data: Array("a".utf8)), .addExtension(magic: 7, data: Array("b".utf8)),
        .addExtension(magic: 8, data: Array("c".utf8)), .addExtension(magic: 7, data: Array("dd".utf8)),
        .deleteExtensions(magic: 7),
      ],
      changes: [Patch(504, "00000008 00000001 6300000000000000" + endMarker)], end: 528),
    EditVector(
      name: "deleting the only extension leaves the end marker", kind: .v3,
      edits: [.deleteExtensions(magic: ImageKind.featureTable)], changes: [Patch(112, endMarker)], end: 120),
    EditVector(
      name: "deleting a magic that is absent changes nothing", kind: .dataFile,
      edits: [.deleteExtensions(magic: ImageKind.backingFormat)], changes: [], end: 528),
    EditVector(
      name: "the Bitmaps extension is written back unchanged", kind: .bitmaps,
      edits: [.setField(.nbSnapshots, 0), .addExtension(magic: 1, data: Array("z".utf8))],
      changes: [Patch(144, "00000001 00000001 7a00000000000000" + endMarker)], end: 168),
    EditVector(
      name: "a longer header_length moves the extensions", kind: .v3,
      edits: [.setField(.headerLength, 120), .deleteExtensions(magic: ImageKind.featureTable)],
      changes: [Patch(100, "00000078"), Patch(120, endMarker)], end: 128),
  ]
}

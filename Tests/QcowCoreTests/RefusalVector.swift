import QcowCore
import Testing

/// Edits that must be refused, either when applied or when the area is encoded.
struct RefusalVector: Sendable, CustomTestStringConvertible {
  /// Where the refusal happens.
  enum Stage: Sendable {
    /// `apply` throws for the last edit.
    case apply
    /// Every edit applies; `encoded()` throws.
    case encode
  }

  /// What the vector exercises.
  let name: String
  /// The image edited.
  let kind: ImageKind
  /// Bytes stored in the image before it is read.
  var before: [Patch] = []
  /// The edits, applied in order.
  let edits: [HeaderEdit]
  /// Where the refusal happens.
  let stage: Stage
  /// Text the error message contains.
  let message: String

  var testDescription: String { name }

  static let all: [RefusalVector] = [
    RefusalVector(
      name: "magic 0", kind: .v3, edits: [.addExtension(magic: 0, data: [1])], stage: .apply,
      message: "cannot have magic 0"),
    RefusalVector(
      name: "u32 field given 2^32", kind: .v3, edits: [.setField(.version, 0x1_0000_0000)], stage: .apply,
      message: "does not fit header field 'version' (32 bits)"),
    RefusalVector(
      name: "header_length given 2^64-1", kind: .v3, edits: [.setField(.headerLength, .max)], stage: .apply,
      message: "does not fit header field 'header_length'"),
    RefusalVector(
      name: "compression_type given 256", kind: .zstd, edits: [.setField(.compressionType, 256)], stage: .apply,
      message: "does not fit header field 'compression_type' (8 bits)"),
    RefusalVector(
      name: "feature bit 64", kind: .v3, edits: [.setFeatureBit(.incompatible, 64)], stage: .apply,
      message: "not in range [0, 64)"),
    RefusalVector(
      name: "feature bit -1", kind: .v3, edits: [.clearFeatureBit(.autoclear, -1)], stage: .apply,
      message: "not in range [0, 64)"),
    RefusalVector(
      name: "version 3 header_length 100", kind: .v3, edits: [.setField(.headerLength, 100)], stage: .encode,
      message: "below 104"),
    RefusalVector(
      name: "version 3 header_length 72", kind: .cluster4k, edits: [.setField(.headerLength, 72)], stage: .encode,
      message: "below 104"),
    RefusalVector(
      name: "header_length 0", kind: .v3, edits: [.setField(.headerLength, 0)], stage: .encode,
      message: "below 72"),
    RefusalVector(
      name: "extensions overflow the 512-byte cluster", kind: .cluster512,
      edits: [.addExtension(magic: 9, data: Array(repeating: 0x61, count: 385))], stage: .encode,
      message: "more than the first cluster (512 bytes)"),
    RefusalVector(
      name: "the backing name overflows the 512-byte cluster", kind: .backing512,
      edits: [.addExtension(magic: 9, data: Array(repeating: 0x61, count: 353))], stage: .encode,
      message: "more than the first cluster (512 bytes)"),
    RefusalVector(
      name: "many extensions overflow the 64 KiB cluster", kind: .v3,
      edits: Array(repeating: .addExtension(magic: 9, data: Array(repeating: 0, count: 1016)), count: 64),
      stage: .encode, message: "more than the first cluster (65536 bytes)"),
    RefusalVector(
      name: "header_length leaves no room for the end marker", kind: .cluster512,
      edits: [.setField(.headerLength, 512)], stage: .encode, message: "more than the first cluster"),
  ]
}

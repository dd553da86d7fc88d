import QcowCore
import Testing

/// Whether a header field exists in a header of some version and header_length.
struct PresenceVector: Sendable, CustomTestStringConvertible {
  /// Index of the field in `HeaderField.all`.
  let index: Int
  /// The header version.
  let version: UInt64
  /// The header_length.
  let headerLength: UInt64
  /// Whether the field is present.
  let present: Bool

  var testDescription: String { "\(HeaderField.all[index].name) v\(version) length \(headerLength)" }

  /// Version 2 stores only the first 13 fields; compression_type needs header_length > 104.
  static let all: [PresenceVector] = [
    PresenceVector(index: 0, version: 2, headerLength: 72, present: true),
    PresenceVector(index: 12, version: 2, headerLength: 72, present: true),
    PresenceVector(index: 13, version: 2, headerLength: 72, present: false),
    PresenceVector(index: 16, version: 2, headerLength: 72, present: false),
    PresenceVector(index: 17, version: 2, headerLength: 72, present: false),
    PresenceVector(index: 18, version: 2, headerLength: 112, present: false),
    PresenceVector(index: 5, version: 3, headerLength: 104, present: true),
    PresenceVector(index: 13, version: 3, headerLength: 104, present: true),
    PresenceVector(index: 17, version: 3, headerLength: 104, present: true),
    PresenceVector(index: 18, version: 3, headerLength: 104, present: false),
    PresenceVector(index: 18, version: 3, headerLength: 105, present: true),
    PresenceVector(index: 18, version: 3, headerLength: 112, present: true),
  ]
}

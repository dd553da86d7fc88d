import Testing

/// An extension of some length added to an image, and whether the result fits the first cluster.
struct CapacityVector: Sendable, CustomTestStringConvertible {
  /// The image.
  let kind: ImageKind
  /// The length of the added extension's data.
  let length: Int
  /// The area's end after the addition, nil when it must be refused.
  let end: Int?

  var testDescription: String { "\(kind.rawValue) + \(length) bytes" }

  /// The largest extensions that fit exactly, and one byte more.
  static let all: [CapacityVector] = [
    CapacityVector(kind: .cluster512, length: 384, end: 512),
    CapacityVector(kind: .cluster512, length: 377, end: 512),
    CapacityVector(kind: .cluster512, length: 385, end: nil),
    CapacityVector(kind: .backing512, length: 352, end: 506),
    CapacityVector(kind: .backing512, length: 353, end: nil),
    CapacityVector(kind: .cluster4k, length: 3968, end: 4096),
    CapacityVector(kind: .cluster4k, length: 3969, end: nil),
    CapacityVector(kind: .v2, length: 65448, end: 65536),
    CapacityVector(kind: .v2, length: 65449, end: nil),
  ]
}

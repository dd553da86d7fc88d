/// The plan of a whole manifest.
struct EditPlan: Sendable {
  /// The manifest planned.
  let manifest: Manifest
  /// One plan per image entry, in manifest order.
  let images: [ImagePlan]
  /// Errors that concern several images (free space).
  let errors: [ManifestDiagnostic]

  /// Every error, images first, in manifest order.
  var allErrors: [ManifestDiagnostic] {
    (images.flatMap(\.errors) + errors).sorted {
      ($0.mark ?? YAMLMark(line: .max, column: 0)) < ($1.mark ?? YAMLMark(line: .max, column: 0))
    }
  }

  /// Whether every image can be staged.
  var isValid: Bool { errors.isEmpty && images.allSatisfy(\.isValid) }
}

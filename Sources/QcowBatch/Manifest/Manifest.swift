import QcowCore

/// A loaded manifest: the images to produce and the edits for each.
struct Manifest: Sendable {
  /// The manifest file as named on the command line.
  let file: String
  /// The directory relative paths in the manifest are resolved against.
  let directory: String
  /// The image entries, in manifest order.
  let images: [ManifestImage]
  /// The manifest's text, for diagnostics.
  let source: ManifestSource
}

/// One entry of a manifest's `images` list.
struct ManifestImage: Sendable {
  /// A value with the position in the manifest it came from.
  struct Located<Value: Sendable>: Sendable {
    let value: Value
    let mark: YAMLMark
  }

  /// The image to produce, as written in the manifest.
  let path: Located<String>
  /// The image to copy first, as written, when the entry has `from`.
  let from: Located<String>?
  /// The options of a new image, when the entry has `create`.
  let create: Located<CreateOptions>?
  /// The setup steps, in order: guest data written before `expect` and the edits.
  let setup: [Located<SetupStep>]
  /// Header values required before the edits.
  let expect: [Located<(HeaderField, UInt64)>]
  /// The edits, in order.
  let edits: [Located<ManifestEdit>]
  /// Where the entry starts.
  let mark: YAMLMark
}

/// One edit of a manifest entry: of the header area, or of the image's other bytes.
enum ManifestEdit: Sendable {
  case header(HeaderEdit)
  case image(ImageEdit)

  /// The header edit, when it is one.
  var header: HeaderEdit? {
    if case .header(let edit) = self { return edit }
    return nil
  }
}

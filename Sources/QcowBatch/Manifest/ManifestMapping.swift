/// The keys of one kind of manifest mapping. Keys starting with `x-` are ignored in it.
struct ManifestMapping: Sendable {
  let keys: [ManifestKey]
  /// Keys of which at most one may be given.
  let exclusive: [String]

  init(_ keys: [ManifestKey], exclusive: [String] = []) {
    self.keys = keys
    self.exclusive = exclusive
  }

  /// The key names, in order.
  var names: [String] { keys.map(\.name) }
  /// The names of the keys that must be given.
  var required: [String] { keys.filter(\.required).map(\.name) }

  /// The top level of a manifest.
  static let document = ManifestMapping([
    ManifestKey("version", required: true, .version, "The manifest format version: 1."),
    ManifestKey("images", required: true, .images, "The images to produce, in order."),
  ])

  /// One entry of `images`.
  static let image = ManifestMapping(
    [
      ManifestKey(
        "path", required: true, .path,
        "The image this entry edits or produces, relative to the manifest's directory. Without 'from' or "
          + "'create' it must exist and is edited in place; its directory must exist."),
      ManifestKey("from", .path, "An image to copy first: 'path' is created, or replaced, from a copy of it."),
      ManifestKey(
        "setup", .setup,
        "Guest data to write first, in order, before 'expect' and the edits: each step leaves the bytes "
          + "one qemu-io (or qemu-img snapshot) process of QEMU 7.2 leaves."),
      ManifestKey("expect", .expectations, "Header values the image must have before the edits."),
      ManifestKey(
        "edits", .edits,
        "The edits, in order: qcow2.py command lines or mappings with one operation. Nested lists (shared "
          + "edit lists) are flattened."),
      ManifestKey("create", .creation, "Make a new image, as qemu-img create -f qcow2 does, with these options."),
    ], exclusive: ["from", "create"])
}

/// The build-graph transaction of the crash-state explorer: a base the manifest creates (over an
/// older base it replaces), an overlay created on it, a copy of that overlay made `from` the
/// entry, an image edited in place and a copy made from that entry; in two directories, listed
/// out of build order. Three targets exist before (the base, the copy of the overlay, the image
/// edited in place) and two do not.
enum CrashBuildGraph {
  /// The targets, relative to the manifest, in manifest order.
  static let targets = ["top.qcow2", "out/copy.qcow2", "tmpl.qcow2", "out/small.qcow2", "base.qcow2"]

  /// The entries: every one but the image edited in place depends on another.
  static let entries = [
    ApplyEntry(
      path: "top.qcow2", create: "{backing_file: base.qcow2, backing_fmt: qcow2}",
      setup: ["write: {offset: 4k, length: 4k, pattern: 0x62}"], edits: [ApplyEdit.mark("top-new")]),
    ApplyEntry(
      path: "out/copy.qcow2", from: "top.qcow2",
      edits: ["set-backing-file: {file: ../base.qcow2, format: qcow2}", ApplyEdit.mark("copy-new")]),
    ApplyEntry(path: "tmpl.qcow2", edits: [ApplyEdit.lazyRefcounts]),
    ApplyEntry(path: "out/small.qcow2", from: "tmpl.qcow2", edits: [ApplyEdit.mark("small-new")]),
    ApplyEntry(
      path: "base.qcow2", create: "{size: 1M}", setup: ["write: {offset: 0, length: 64k, pattern: 0x61}"]),
  ]

  /// Makes the images that exist before and the manifest in `scratch`; returns the manifest's
  /// absolute path.
  static func prepare(_ scratch: ApplyScratch) throws -> String {
    try scratch.directory("out")
    try scratch.image("base.qcow2")
    try scratch.image("out/copy.qcow2", template: "overlay.qcow2")
    try scratch.image("tmpl.qcow2", template: "small-4k.qcow2")
    return try scratch.manifest("m.yaml", entries)
  }
}

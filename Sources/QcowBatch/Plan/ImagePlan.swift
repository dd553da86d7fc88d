import QcowCore

/// What `plan` found for one image entry: its header before and after the edits, the bytes
/// to write, and the errors tied to the manifest.
struct ImagePlan: Sendable {
  /// The manifest entry.
  let entry: ManifestImage
  /// The target path, resolved against the manifest's directory.
  let target: String
  /// The image the result starts from: `from` when given, else the target itself.
  let source: String
  /// The header area of the source, when it could be read.
  var before: HeaderArea?
  /// The header area after every edit, when they all applied.
  var after: HeaderArea?
  /// The options and virtual size of a new image, for an entry with `create` (its layout is
  /// computed again when it is staged, so a plan of many images stays small).
  var creation: (options: CreateOptions, size: UInt64)?
  /// The external data file a `create` entry makes (resolved path) and its size.
  var dataFile: (path: String, size: UInt64)?
  /// The writes that store the edits in the staged copy, once every edit checked.
  var writes: FileWrites?
  /// The staged copy's new length, when the edits cut or grow the file.
  var length: UInt64?
  /// The shortest length the edits cut the source to on the way, when shorter than it.
  var cutLength: UInt64?
  /// The position (in the plan's build order) of the entry whose result is this one's source.
  var sourceEntry: Int?
  /// Whether the target already holds exactly the result: nothing is staged for it.
  var unchanged = false
  /// What the setup steps and image edits change, decoded, in order.
  var changes: [ImageChange] = []
  /// The problems found, in manifest order.
  var errors: [ManifestDiagnostic] = []

  /// Whether the entry copies a template.
  var copiesTemplate: Bool { entry.from != nil }

  /// Whether the image can be staged.
  var isValid: Bool { errors.isEmpty && writes != nil }
}

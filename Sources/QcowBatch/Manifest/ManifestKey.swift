/// One key of a manifest mapping: its name, whether it must be given, its value and what it means.
struct ManifestKey: Sendable {
  let name: String
  let required: Bool
  let value: ManifestValue
  /// What the key is for, for the schema's description.
  let summary: String

  init(_ name: String, required: Bool = false, _ value: ManifestValue, _ summary: String) {
    self.name = name
    self.required = required
    self.value = value
    self.summary = summary
  }
}

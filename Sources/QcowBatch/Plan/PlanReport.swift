import QcowCore

/// The text and JSON forms of a plan.
struct PlanReport {
  let plan: EditPlan

  /// A header field whose value the edits change.
  struct FieldChange {
    let field: HeaderField
    let old: UInt64
    let new: UInt64
  }

  /// The field changes of `image`, in field order.
  static func fieldChanges(_ image: ImagePlan) -> [FieldChange] {
    guard let before = image.before?.header, let after = image.after?.header else { return [] }
    return HeaderField.all.compactMap { field in
      before[field] == after[field] ? nil : FieldChange(field: field, old: before[field], new: after[field])
    }
  }

  /// Extensions removed (in the source, gone after) and added (new after) by the edits.
  static func extensionChanges(_ image: ImagePlan) -> (removed: [HeaderExtension], added: [HeaderExtension]) {
    guard let before = image.before, let after = image.after else { return ([], []) }
    // By content, each extension matched at most once: a header rewritten by QEMU's rules
    // moves every extension, and an added copy of an extension is still an addition.
    var unmatched = after.extensions
    var removed: [HeaderExtension] = []
    for ext in before.extensions {
      if let index = unmatched.firstIndex(where: { $0.magic == ext.magic && $0.data == ext.data }) {
        unmatched.remove(at: index)
      } else {
        removed.append(ext)
      }
    }
    return (removed, unmatched)
  }

  /// Names of the feature bits that differ between `old` and `new` for `group`.
  static func bitChanges(_ group: FeatureGroup, old: UInt64, new: UInt64) -> (set: [Int], cleared: [Int]) {
    (FieldFormat.setBits(of: new & ~old), FieldFormat.setBits(of: old & ~new))
  }

  /// The plan for people.
  func text() -> String {
    var out = ""
    for image in plan.images {
      let origin =
        image.entry.from.map { "from \($0.value)" + (image.sourceEntry == nil ? "" : ", built first") }
        ?? (image.entry.create != nil ? "created" : "edited in place")
      out += "\(image.entry.path.value)  (\(origin))\n"
      if image.unchanged { out += "  unchanged: the target already holds the result\n" }
      for change in PlanReport.fieldChanges(image) {
        var line =
          "  \(change.field.name): \(change.field.format.render(change.old)) -> \(change.field.format.render(change.new))"
        if let group = FeatureGroup.allCases.first(where: { $0.field == change.field }) {
          let bits = PlanReport.bitChanges(group, old: change.old, new: change.new)
          let named = { (bit: Int) in
            (image.after?.featureName(group, bit: bit) ?? image.before?.featureName(group, bit: bit))
              .map { "\(bit) (\($0))" } ?? "\(bit)"
          }
          let parts = bits.set.map { "set " + named($0) } + bits.cleared.map { "clear " + named($0) }
          line += "  [" + parts.joined(separator: ", ") + "]"
        }
        out += line + "\n"
      }
      let extensions = PlanReport.extensionChanges(image)
      for ext in extensions.removed {
        out +=
          "  - extension \(FieldFormat.hex.render(UInt64(ext.magic))) \(ExtensionKind.name(of: ext.magic)), \(ext.length) bytes\n"
      }
      for ext in extensions.added {
        out +=
          "  + extension \(FieldFormat.hex.render(UInt64(ext.magic))) \(ExtensionKind.name(of: ext.magic)), \(ext.length) bytes\n"
      }
      for change in image.changes {
        out += "  \(change.text)\n"
      }
      if let after = image.after {
        let before = image.before.map { "\($0.usedBytes()) -> " } ?? ""
        out += "  header area: \(before)\(after.usedBytes()) of \(after.clusterSize.description)\n"
      }
      if image.isValid && PlanReport.fieldChanges(image).isEmpty && extensions.removed.isEmpty
        && extensions.added.isEmpty && image.changes.isEmpty
      {
        out += "  no header changes\n"
      }
    }
    let errors = plan.allErrors.count
    out +=
      plan.isValid
      ? "plan is valid: \(PlanReport.count(plan.images.count, "image"))\n"
      : "plan is invalid: \(PlanReport.count(errors, "error"))\n"
    return out
  }

  /// The plan as one JSON document.
  func json() -> JSONValue {
    let images = plan.images.map { image -> JSONValue in
      let changes = PlanReport.fieldChanges(image).map { change in
        var members: [(String, JSONValue)] = [
          ("field", .string(change.field.name)), ("old", .number(change.old)), ("new", .number(change.new)),
        ]
        if let group = FeatureGroup.allCases.first(where: { $0.field == change.field }) {
          let bits = PlanReport.bitChanges(group, old: change.old, new: change.new)
          let named = { (bit: Int) in
            let name = image.after?.featureName(group, bit: bit) ?? image.before?.featureName(group, bit: bit)
            return JSONValue.object([("bit", .number(UInt64(bit))), ("name", name.map { .string($0) } ?? .null)])
          }
          members.append(("bits_set", .array(bits.set.map(named))))
          members.append(("bits_cleared", .array(bits.cleared.map(named))))
        }
        return JSONValue.object(members)
      }
      let extensions = PlanReport.extensionChanges(image)
      let describe = { (ext: HeaderExtension) in
        JSONValue.object([
          ("magic", .number(UInt64(ext.magic))), ("name", .string(ExtensionKind.name(of: ext.magic))),
          ("length", .number(UInt64(ext.length))),
        ])
      }
      let used = image.after?.usedBytes()
      return .object([
        ("path", .string(image.entry.path.value)),
        ("target", .string(image.target)),
        ("from", image.entry.from.map { .string($0.value) } ?? .null),
        ("valid", .bool(image.isValid)),
        ("unchanged", .bool(image.unchanged)),
        ("changes", .array(changes)),
        ("extensions_removed", .array(extensions.removed.map(describe))),
        ("extensions_added", .array(extensions.added.map(describe))),
        ("image_changes", .array(image.changes.map(\.json))),
        (
          "header_area",
          .object([
            ("used", used.map(JSONValue.number) ?? .null),
            ("cluster_size", image.after?.clusterSize.bytes.map(JSONValue.number) ?? .null),
          ])
        ),
        ("errors", .array(image.errors.map { PlanReport.errorJSON($0, file: plan.manifest.file) })),
      ])
    }
    return .object([
      ("manifest", .string(plan.manifest.file)),
      ("valid", .bool(plan.isValid)),
      ("images", .array(images)),
      ("errors", .array(plan.allErrors.map { PlanReport.errorJSON($0, file: plan.manifest.file) })),
    ])
  }

  /// `count` and `noun`, plural unless the count is 1: "1 image", "2 images".
  static func count(_ count: Int, _ noun: String) -> String {
    "\(count) \(noun)\(count == 1 ? "" : "s")"
  }

  /// One diagnostic as a JSON object: `file`, `line`, `column`, `message` and `notes`, an array
  /// of objects with the same keys but `notes`.
  static func errorJSON(_ diagnostic: ManifestDiagnostic, file: String) -> JSONValue {
    let notes = diagnostic.notes.map { note in
      JSONValue.object(place(note.mark, file: file) + [("message", .string(note.message))])
    }
    return .object(
      place(diagnostic.mark, file: file) + [("message", .string(diagnostic.message)), ("notes", .array(notes))])
  }

  /// The `file`, `line` and `column` members of a diagnostic at `mark`.
  private static func place(_ mark: YAMLMark?, file: String) -> [(String, JSONValue)] {
    [
      ("file", .string(file)),
      ("line", mark.map { .number(UInt64($0.line)) } ?? .null),
      ("column", mark.map { .number(UInt64($0.column)) } ?? .null),
    ]
  }
}

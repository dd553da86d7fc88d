import QcowCore

/// Runs an entry's edits in order over a draft of its source. Consecutive header edits
/// change the header area in memory and are written together, as one qcow2.py-style write;
/// image edits resolve their locations on the draft as it stands after everything before
/// them. Errors are tied to the edit that causes them.
struct EditSequence {
  /// The source with every change made so far.
  private(set) var draft: ImageDraft
  /// The header area as the edits left it.
  private(set) var area: HeaderArea
  /// What the image edits changed, in order.
  private(set) var changes: [ImageChange] = []
  /// The errors found, in edit order.
  private(set) var errors: [ManifestDiagnostic] = []
  /// Whether the last header write failed (the result cannot be written at all).
  private(set) var headerFailed = false

  /// Header edits applied to `area` but not yet written to the draft.
  private var pending: [ManifestImage.Located<HeaderEdit>] = []
  /// Whether `area` is stale: an image edit ran since it was read.
  private var areaIsStale = false

  /// Runs `edits` of `entry` over `draft` (the source after the setup steps), whose header
  /// area is `area`.
  init(entry: ManifestImage, draft start: ImageDraft, area: HeaderArea) {
    draft = start
    self.area = area
    var sawImageEdit = false
    for edit in entry.edits {
      switch edit.value {
      case .header(let header):
        apply(ManifestImage.Located(value: header, mark: edit.mark))
      case .image(let image):
        sawImageEdit = true
        write(entry)
        do {
          changes += try draft.apply(image)
          areaIsStale = true
        } catch {
          errors.append(ManifestDiagnostic(mark: edit.mark, message: "\(error)"))
        }
      }
    }
    // An entry without image edits always writes its header area back: that checks it.
    if !pending.isEmpty || !sawImageEdit { write(entry, always: true) }
    if areaIsStale, let final = try? HeaderArea(reading: draft) { self.area = final }
  }

  private mutating func apply(_ edit: ManifestImage.Located<HeaderEdit>) {
    if areaIsStale {
      do {
        area = try HeaderArea(reading: draft)
        try area.checkReadable()
      } catch {
        errors.append(ManifestDiagnostic(mark: edit.mark, message: "the header area cannot be read here: \(error)"))
        return
      }
      areaIsStale = false
    }
    do {
      if try area.apply(edit.value) == 0, case .deleteExtensions(let magic) = edit.value {
        throw QcowError("no header extension \(FieldFormat.hex.render(UInt64(magic))) to delete")
      }
      pending.append(edit)
    } catch {
      errors.append(ManifestDiagnostic(mark: edit.mark, message: "\(error)"))
    }
  }

  /// Writes the pending header edits into the draft.
  private mutating func write(_ entry: ManifestImage, always: Bool = false) {
    guard !pending.isEmpty || always else { return }
    // A version 2 header (or a short version 3 one) has no room for some fields: edits of
    // them would not reach the disk.
    let header = area.header
    for edit in pending {
      guard let field = edit.value.field, !field.isPresent(version: header.version, headerLength: header.headerLength)
      else { continue }
      errors.append(
        ManifestDiagnostic(
          mark: edit.mark,
          message: "the result has no \(field.name) field (version \(header.version), header_length "
            + "\(header.headerLength)): the edit would not reach the disk"))
    }
    pending = []
    do {
      draft.apply(try area.encoded(over: draft))
      headerFailed = false
    } catch {
      headerFailed = true
      errors.append(ManifestDiagnostic(mark: entry.mark, message: "'\(entry.path.value)': \(error)"))
    }
  }
}

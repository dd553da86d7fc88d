extension SetupOutcome {
  /// The plan's line for one step: the guest range (or snapshot name), clusters allocated and
  /// the file's growth.
  public func change(for step: SetupStep) -> ImageChange {
    let what: String
    let place: String
    switch step {
    case .write(let offset, let length, let pattern):
      what = "write"
      place = "guest \(FieldFormat.hex.render(offset))+\(length) of \(FieldFormat.hex.render(UInt64(pattern)))"
    case .writeCompressed(let offset, let length, let pattern):
      what = "write-compressed"
      place = "guest \(FieldFormat.hex.render(offset))+\(length) of \(FieldFormat.hex.render(UInt64(pattern)))"
    case .writeZeroes(let offset, let length):
      what = "write-zeroes"
      place = "guest \(FieldFormat.hex.render(offset))+\(length)"
    case .discard(let offset, let length):
      what = "discard"
      place = "guest \(FieldFormat.hex.render(offset))+\(length)"
    case .snapshot(let name, let seconds, _):
      what = "snapshot"
      place = "'\(name)' dated \(seconds)"
    }
    return ImageChange(
      what: "setup \(what)", offset: step.range?.offset ?? 0, placeText: place, length: step.range?.length ?? 0,
      old: "file \(lengthBefore) bytes",
      new: "file \(lengthAfter) bytes, \(clustersAllocated) clusters allocated",
      oldJSON: .object([("file_length", .number(lengthBefore))]),
      newJSON: .object([
        ("file_length", .number(lengthAfter)), ("clusters_allocated", .number(clustersAllocated)),
      ]),
      stepJSON: step.json)
  }
}

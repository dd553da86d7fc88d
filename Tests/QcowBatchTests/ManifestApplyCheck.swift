import Foundation
import Testing

/// A header extension an output image must have; the expected list is the whole list, in order.
enum ExpectedExtension: Sendable {
  /// The source image's extension with this magic, unchanged.
  case kept(UInt32)
  /// A new extension with these bytes.
  case added(UInt32, [UInt8])
  /// A new extension holding the bytes of a file, relative to the manifest's directory.
  case file(UInt32, String)

  /// A new extension holding `text` as UTF-8.
  static func text(_ magic: UInt32, _ text: String) -> ExpectedExtension {
    .added(magic, Array(text.utf8))
  }

  var magic: UInt32 {
    switch self {
    case .kept(let magic), .added(let magic, _), .file(let magic, _): return magic
    }
  }

  /// Whether the extension is new rather than carried over from the source.
  var isNew: Bool {
    if case .kept = self { return false }
    return true
  }
}

/// What qemu-img must make of an output image.
enum QemuVerdict: Sendable {
  /// `qemu-img check` passes, and `qemu-img info --output=json` has these values, by dotted
  /// key path (`format-specific.data.corrupt`), booleans as `true` and `false`.
  case clean([String: String] = [:])
  /// qemu-img refuses to open the image, with this text in its message.
  case refused(String)
}

/// One image a manifest must produce.
struct ExpectedImage: Sendable {
  /// Where the result lands, relative to the manifest's directory.
  let file: String
  /// The image it starts from, relative to the manifest's directory.
  let source: String
  /// The header fields the edits change, with their new values; every other field keeps the
  /// source's value.
  let fields: [String: UInt64]
  /// Every header extension of the result, in order.
  let extensions: [ExpectedExtension]
  /// What qemu-img says of the result.
  let qemu: QemuVerdict
  /// The iotests corruption (its name in `IotestCorruption.all`) whose hand-made file the
  /// result must equal byte for byte, with the same `qemu-img check` verdict; such an image
  /// has no source, and its fields and extensions are not checked one by one.
  let byHand: String?

  init(
    _ file: String, from source: String, fields: [String: UInt64] = [:], extensions: [ExpectedExtension],
    qemu: QemuVerdict = .clean(), byHand: String? = nil
  ) {
    self.file = file
    self.source = source
    self.fields = fields
    self.extensions = extensions
    self.qemu = qemu
    self.byHand = byHand
  }

  /// An image that must be what the iotest makes by hand for the corruption named `corruption`.
  static func byHand(_ file: String, as corruption: String) -> ExpectedImage {
    ExpectedImage(file, from: "", extensions: [], byHand: corruption)
  }
}

/// Runs a valid manifest through `plan`, `plan --json`, `apply --dry-run` and `apply` from
/// another working directory, and checks each step against the expected images.
struct ManifestApplyCheck {
  /// The magic of QEMU's feature table extension.
  static let featureTable: UInt32 = 0x6803_f857

  let workspace: ManifestWorkspace
  /// The manifest's file name in the workspace's directory.
  let manifest: String
  /// The images, in manifest order.
  let images: [ExpectedImage]
  /// Lines the text plan must contain.
  let planLines: [String]

  /// A source image as it was before anything ran.
  private struct Source {
    let fields: [String: UInt64]
    let extensions: [StoredExtension]
    let bytes: Data
  }

  func run() throws {
    var sources: [String: Source] = [:]
    for image in images where image.byHand == nil && sources[image.source] == nil {
      let path = workspace.path(image.source)
      sources[image.source] = Source(
        fields: try StoredHeader.fields(path), extensions: try StoredHeader.extensions(path),
        bytes: try Data(contentsOf: URL(fileURLWithPath: path)))
    }
    let before = try workspace.snapshot()
    let text = try checkTextPlan()
    #expect(try workspace.snapshot() == before, "plan wrote something")
    try checkJSONPlan(sources, text: text)
    #expect(try workspace.snapshot() == before, "plan --json wrote something")
    let dryRun = try workspace.qcowBatch(["apply", "--dry-run"], manifest: manifest, fromElsewhere: true)
    #expect(dryRun.status == 0, "apply --dry-run: \(dryRun.err)")
    #expect(try workspace.snapshot() == before, "apply --dry-run wrote something")

    let apply = try workspace.qcowBatch(["apply"], manifest: manifest, fromElsewhere: true)
    #expect(apply.status == 0 && apply.err.isEmpty, "apply: \(apply.err)")
    let count = images.count
    #expect(
      apply.out.hasSuffix("applied: \(count) \(count == 1 ? "image" : "images") written\n"), "apply: \(apply.out)")
    try checkOnlyOutputsChanged(before: before)
    for image in images {
      if let corruption = image.byHand {
        try checkByHand(image, corruption)
      } else if let source = sources[image.source] {
        try check(image, against: source)
      }
    }
  }

  /// The result is the file the iotest makes with qemu-img, qemu-io and dd, byte for byte,
  /// and qemu-img check says the same of both.
  private func checkByHand(_ image: ExpectedImage, _ name: String) throws {
    let corruption = try #require(IotestCorruption.all.first { $0.name == name }, "no iotests corruption '\(name)'")
    let directory = try TestSupport.makeTemporaryDirectory("qcow-batch-by-hand")
    defer { try? FileManager.default.removeItem(at: directory) }
    let reference = directory.appendingPathComponent("by-hand.qcow2")
    try corruption.makeByHand(at: reference)
    let result = URL(fileURLWithPath: workspace.path(image.file))
    let cmp = try TestSupport.tool("cmp", [reference.path, result.path])
    #expect(cmp.status == 0, "\(image.file) differs from what the iotest makes by hand: \(cmp.out)")
    #expect(
      try IotestCorruption.check(result) == IotestCorruption.check(reference), "\(image.file): qemu-img check differs")
  }

  /// The text plan: valid, with the expected lines. Returns it.
  private func checkTextPlan() throws -> String {
    let plan = try workspace.qcowBatch(["plan"], manifest: manifest, fromElsewhere: true)
    #expect(plan.status == 0 && plan.err.isEmpty, "plan: \(plan.err)")
    let lines = plan.out.split(separator: "\n").map(String.init)
    #expect(lines.last == "plan is valid: \(images.count) \(images.count == 1 ? "image" : "images")")
    for line in planLines {
      #expect(lines.contains(line), "plan lacks '\(line)' in:\n\(plan.out)")
    }
    return plan.out
  }

  /// Feature bits in the JSON plan carry the same numbers and names as the text plan shows.
  private func checkBitNames(_ planned: [[String: Any]], text: String) {
    let lines = text.split(separator: "\n").map(String.init)
    for change in planned.flatMap({ $0["changes"] as? [[String: Any]] ?? [] }) {
      guard let field = change["field"] as? String, field.hasSuffix("_features") else { continue }
      let describe = { (verb: String, key: String) -> [String] in
        (change[key] as? [[String: Any]] ?? []).map { bit in
          let number = "\(verb) \(bit["bit"] as? Int ?? -1)"
          return (bit["name"] as? String).map { "\(number) (\($0))" } ?? number
        }
      }
      let bits = "[" + (describe("set", "bits_set") + describe("clear", "bits_cleared")).joined(separator: ", ") + "]"
      #expect(
        lines.contains { $0.hasPrefix("  \(field): ") && $0.hasSuffix("  \(bits)") },
        "no text line for \(field) ending in \(bits):\n\(text)")
    }
  }

  /// The JSON plan: one document listing each image's changes, extensions and header area.
  private func checkJSONPlan(_ sources: [String: Source], text: String) throws {
    let plan = try workspace.qcowBatch(["plan", "--json"], manifest: manifest, fromElsewhere: true)
    #expect(plan.status == 0 && plan.err.isEmpty, "plan --json: \(plan.err)")
    let document = try JSONSerialization.jsonObject(with: plan.stdout) as? [String: Any]
    #expect(document?["valid"] as? Bool == true)
    #expect((document?["errors"] as? [Any])?.isEmpty == true)
    let planned = document?["images"] as? [[String: Any]] ?? []
    #expect(planned.count == images.count, "plan --json lists \(planned.count) images")
    checkBitNames(planned, text: text)
    for (image, entry) in zip(images, planned) {
      guard let source = sources[image.source] else { continue }
      #expect(entry["valid"] as? Bool == true, "\(image.file) is not valid")
      let changes = try (entry["changes"] as? [[String: Any]] ?? []).map { change in
        "\(change["field"] as? String ?? "?") \(try StoredHeader.unsigned(change["old"] as Any)) -> "
          + "\(try StoredHeader.unsigned(change["new"] as Any))"
      }
      let expectedChanges = image.fields.keys.sorted().compactMap { field -> String? in
        let old = source.fields[field] ?? 0
        let new = image.fields[field] ?? old
        return old == new ? nil : "\(field) \(old) -> \(new)"
      }
      #expect(changes.sorted() == expectedChanges, "\(image.file) changes")
      let magics = { (key: String) in
        (entry[key] as? [[String: Any]] ?? []).compactMap { ($0["magic"] as? NSNumber)?.uint32Value }
      }
      #expect(magics("extensions_added") == image.extensions.filter(\.isNew).map(\.magic), "\(image.file) added")
      let kept = image.extensions.filter { !$0.isNew }.map(\.magic)
      #expect(
        magics("extensions_removed") == source.extensions.map(\.magic).filter { !kept.contains($0) },
        "\(image.file) removed")
      let area = entry["header_area"] as? [String: Any]
      let expectedArea = try headerArea(image, source: source)
      #expect(area?["used"] as? Int == expectedArea.used, "\(image.file) header area used")
      #expect(area?["cluster_size"] as? Int == expectedArea.clusterSize, "\(image.file) cluster size")
    }
  }

  /// Bytes the result's header area takes: header, 8-byte-aligned extensions, end marker and
  /// backing file name; and the cluster size they must fit.
  private func headerArea(_ image: ExpectedImage, source: Source) throws -> (used: Int, clusterSize: Int) {
    let fields = source.fields.merging(image.fields) { $1 }
    let extensions = try resolved(image.extensions, source: source)
    let payload = extensions.reduce(0) { $0 + 8 + ($1.data.count + 7) / 8 * 8 }
    let used = Int(fields["header_length"] ?? 72) + payload + 8 + Int(fields["backing_file_size"] ?? 0)
    return (used, 1 << Int(fields["cluster_bits"] ?? 0))
  }

  /// The expected extensions with their bytes.
  private func resolved(_ extensions: [ExpectedExtension], source: Source) throws -> [StoredExtension] {
    try extensions.map { expected in
      switch expected {
      case .kept(let magic):
        guard let old = source.extensions.first(where: { $0.magic == magic }) else {
          throw ManifestTestError("the source has no extension 0x\(String(magic, radix: 16)) to keep")
        }
        return old
      case .added(let magic, let data):
        return StoredExtension(magic: magic, data: data)
      case .file(let magic, let name):
        let data = try Data(contentsOf: URL(fileURLWithPath: workspace.path(name)))
        return StoredExtension(magic: magic, data: [UInt8](data))
      }
    }
  }

  /// After apply, only the outputs are new or different, and nothing was left in the
  /// working directory or beside the targets.
  private func checkOnlyOutputsChanged(before: [String: String]) throws {
    let after = try workspace.snapshot()
    let outputs = Set(images.map { "ws/" + $0.file })
    #expect(after.filter { !outputs.contains($0.key) } == before.filter { !outputs.contains($0.key) })
    for output in outputs {
      #expect(after[output]?.hasPrefix("f ") == true, "\(output) is not a regular file after apply")
    }
  }

  /// The result's header, extensions and data, and qemu-img's verdict on it.
  private func check(_ image: ExpectedImage, against source: Source) throws {
    let path = workspace.path(image.file)
    let fields = try StoredHeader.fields(path)
    #expect(fields == source.fields.merging(image.fields) { $1 }, "\(image.file) header fields")
    let extensions = try StoredHeader.extensions(path)
    let expected = try resolved(image.extensions, source: source)
    #expect(extensions == expected, "\(image.file) header extensions")
    // Only the header area changes: past the first cluster the result is the source.
    let bytes = try Data(contentsOf: URL(fileURLWithPath: path))
    let cluster = 1 << Int(fields["cluster_bits"] ?? 0)
    #expect(bytes.count == source.bytes.count, "\(image.file) size")
    #expect(bytes.dropFirst(cluster) == source.bytes.dropFirst(cluster), "\(image.file) changed past its header")
    if image.fields.allSatisfy({ source.fields[$0.key] == $0.value }), expected == source.extensions {
      #expect(bytes == source.bytes, "\(image.file) has no changes but differs from its source")
    }
    try checkQemu(image, path: path)
  }

  private func checkQemu(_ image: ExpectedImage, path: String) throws {
    let check = try TestSupport.tool("qemu-img", ["check", "-f", "qcow2", path])
    switch image.qemu {
    case .refused(let message):
      #expect(check.status != 0, "qemu-img check accepted \(image.file)")
      #expect(check.err.contains(message), "\(image.file): \(check.err)")
    case .clean(let facts):
      #expect(check.status == 0, "qemu-img check \(image.file): \(check.out)\(check.err)")
      let info = try TestSupport.tool("qemu-img", ["info", "--output=json", "-f", "qcow2", path])
      let document = try JSONSerialization.jsonObject(with: info.stdout)
      for (keyPath, value) in facts {
        let found = keyPath.split(separator: ".").reduce(Optional(document)) { node, key in
          (node as? [String: Any])?[String(key)]
        }
        #expect(found.map(describe) == value, "\(image.file): qemu-img info \(keyPath)")
      }
    }
  }

  /// A JSON scalar as text: strings as they are, booleans as `true` or `false`.
  private func describe(_ value: Any) -> String {
    if let text = value as? String { return text }
    if let flag = value as? Bool { return flag ? "true" : "false" }
    return "\(value)"
  }
}

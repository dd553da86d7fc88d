import Foundation
import Testing

/// QEMU's iotests corruptions, made twice: by `dd` at the iotest's own offsets, and by a
/// manifest naming the same places. The results must be the same bytes, with the same
/// `qemu-img check` verdict; on another cluster size or refcount width the names still find
/// the right places where the iotest's fixed offsets would not.
@Suite("iotests corruptions by named locations")
struct IotestCorruptionTests {
  @Test("byte for byte what dd makes, on the iotest's layout and on another", arguments: IotestCorruption.all)
  func corruption(_ corruption: IotestCorruption) throws {
    let directory = try TestSupport.makeTemporaryDirectory("qcow-batch-iotest")
    defer { try? FileManager.default.removeItem(at: directory) }
    let layouts = [
      (corruption.template, corruption.patches, corruption.check.value, "default"),
      (corruption.variant, corruption.variantPatches, corruption.check.variantValue, "variant"),
    ]
    for (template, patches, value, label) in layouts {
      let base = directory.appendingPathComponent("\(label).qcow2")
      try make(template, at: base)
      let byHand = directory.appendingPathComponent("\(label)-dd.qcow2")
      try FileManager.default.copyItem(at: base, to: byHand)
      try apply(patches, to: byHand)
      let byName = directory.appendingPathComponent("\(label)-manifest.qcow2")
      let manifest = directory.appendingPathComponent("\(label).yaml")
      let indented = corruption.edits.split(separator: "\n").map { "      " + $0 }.joined(separator: "\n")
      try Data(
        "version: 1\nimages:\n  - path: \(byName.lastPathComponent)\n    from: \(base.lastPathComponent)\n    edits:\n\(indented)\n"
          .utf8
      ).write(to: manifest)
      let applied = try TestSupport.qcowBatch(["apply", manifest.path])
      try #require(applied.status == 0, "\(label): \(applied.err)")
      let cmp = try TestSupport.tool("cmp", [byHand.path, byName.path])
      #expect(cmp.status == 0, "\(label): cmp: \(cmp.out)")
      #expect(try check(byHand) == check(byName), "\(label): qemu-img check differs")
      let get = try TestSupport.qcowBatch(["get", "--json", byName.path, corruption.check.location])
      let entries = try JSONSerialization.jsonObject(with: get.stdout) as? [[String: Any]]
      #expect((entries?.first?["value"] as? NSNumber)?.uint64Value == value, "\(label): \(get.out)\(get.err)")
      if label == "variant" && corruption.hasFixedOffsets {
        // The iotest's own offsets, on this layout, hit other bytes.
        let fixed = directory.appendingPathComponent("variant-fixed-offsets.qcow2")
        try FileManager.default.copyItem(at: base, to: fixed)
        try apply(corruption.patches, to: fixed)
        #expect(try Data(contentsOf: fixed) != Data(contentsOf: byName), "the fixed offsets happen to be right")
      }
    }
  }

  /// Makes `template` at `url` with qemu-img and qemu-io.
  private func make(_ template: IotestCorruption.Template, at url: URL) throws {
    let options = template.options.isEmpty ? [] : ["-o", template.options]
    try expectSuccess(
      TestSupport.tool("qemu-img", ["create", "-q", "-f", "qcow2"] + options + [url.path, "64M"]), "qemu-img create")
    for command in template.io {
      try expectSuccess(TestSupport.tool("qemu-io", ["-c", command, url.path]), "qemu-io")
    }
    for name in template.snapshots {
      try expectSuccess(TestSupport.tool("qemu-img", ["snapshot", "-c", name, url.path]), "qemu-img snapshot")
    }
  }

  /// Applies the iotest's patches with dd and truncate, as its poke_file does.
  private func apply(_ patches: [IotestCorruption.Patch], to url: URL) throws {
    for patch in patches {
      switch patch {
      case .truncate(let size):
        try expectSuccess(TestSupport.tool("truncate", ["-s", String(size), url.path]), "truncate")
      case .bytes(let place, let hex):
        let offset: UInt64
        switch place {
        case .fixed(let value): offset = value
        case .snapshotTable(let plus):
          // peek_file_be: the snapshot table offset from header bytes 64..71.
          let header = [UInt8](try Data(contentsOf: url).prefix(72))
          offset = header[64..<72].reduce(0) { $0 << 8 | UInt64($1) } + plus
        }
        // Octal escapes: POSIX printf (dash's) has no \x.
        let escaped = stride(from: 0, to: hex.count, by: 2).map { index -> String in
          let start = hex.index(hex.startIndex, offsetBy: index)
          let byte = UInt8(hex[start..<hex.index(start, offsetBy: 2)], radix: 16) ?? 0
          return "\\" + String(byte, radix: 8)
        }.joined()
        try expectSuccess(
          TestSupport.tool(
            "sh",
            ["-c", "printf '\(escaped)' | dd of=\"$1\" bs=1 seek=\(offset) conv=notrunc status=none", "sh", url.path]),
          "dd")
      }
    }
  }

  /// `qemu-img check`'s verdict: its exit status and output, with the file name taken out.
  private func check(_ url: URL) throws -> String {
    let result = try TestSupport.tool("qemu-img", ["check", url.path])
    return "\(result.status)\n" + (result.out + result.err).replacingOccurrences(of: url.path, with: "IMAGE")
  }
}

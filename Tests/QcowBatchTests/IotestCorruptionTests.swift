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
      try IotestCorruption.make(template, at: base)
      let byHand = directory.appendingPathComponent("\(label)-dd.qcow2")
      try FileManager.default.copyItem(at: base, to: byHand)
      try IotestCorruption.apply(patches, to: byHand)
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
      #expect(try IotestCorruption.check(byHand) == IotestCorruption.check(byName), "\(label): qemu-img check differs")
      let get = try TestSupport.qcowBatch(["get", "--json", byName.path, corruption.check.location])
      let entries = try JSONSerialization.jsonObject(with: get.stdout) as? [[String: Any]]
      #expect((entries?.first?["value"] as? NSNumber)?.uint64Value == value, "\(label): \(get.out)\(get.err)")
      if label == "variant" && corruption.hasFixedOffsets {
        // The iotest's own offsets, on this layout, hit other bytes.
        let fixed = directory.appendingPathComponent("variant-fixed-offsets.qcow2")
        try FileManager.default.copyItem(at: base, to: fixed)
        try IotestCorruption.apply(corruption.patches, to: fixed)
        #expect(try Data(contentsOf: fixed) != Data(contentsOf: byName), "the fixed offsets happen to be right")
      }
    }
  }
}

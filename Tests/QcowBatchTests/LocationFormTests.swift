import Foundation
import Testing

/// Every location form, expression term and entry field, end to end on an image QEMU made:
/// 64 MiB with its first cluster written (L1 0x30000, L2 0x40000, data 0x50000), snapshot
/// `sn1` (its L1 copy at 0x60000, the table at 0x70000) and bitmap `b0` (table 0x80000,
/// directory 0x90000).
@Suite("locations, expressions and entry fields")
struct LocationFormTests {
  /// A location and what `get` must report for it: host offsets, and the raw values where
  /// they do not depend on the clock.
  struct Form: Sendable, CustomStringConvertible {
    let location: String
    let offsets: [UInt64]
    let value: UInt64?
    var description: String { location }
  }

  static let forms: [Form] = [
    Form(location: "l1[0]", offsets: [0x30000], value: 0x40000),
    Form(location: "l2[vaddr=0]", offsets: [0x40000], value: 0x50000),
    Form(location: "l2[vaddr=64k + 64k]", offsets: [0x40010], value: 0),
    Form(location: "refcount_table[0]", offsets: [0x10000], value: 0x20000),
    Form(location: "refcount[cluster=4]", offsets: [0x20008], value: 2),
    Form(location: "refcount[host=0x50000]", offsets: [0x2000a], value: 2),
    Form(location: "refcount[host=0..128k]", offsets: [0x20000, 0x20002], value: 1),
    Form(location: "snapshot[0].l1_table_offset", offsets: [0x70000], value: 0x60000),
    Form(location: "snapshot[id=1].l1_size", offsets: [0x70008], value: 1),
    Form(location: "snapshot[name=sn1].id_str_size", offsets: [0x7000c], value: 1),
    Form(location: "snapshot[0].name_size", offsets: [0x7000e], value: 3),
    Form(location: "snapshot[0].date_sec", offsets: [0x70010], value: nil),
    Form(location: "snapshot[0].date_nsec", offsets: [0x70014], value: nil),
    Form(location: "snapshot[0].vm_clock_nsec", offsets: [0x70018], value: 0),
    Form(location: "snapshot[0].vm_state_size", offsets: [0x70020], value: 0),
    Form(location: "snapshot[0].extra_data_size", offsets: [0x70024], value: 24),
    Form(location: "snapshot[0].vm_state_size_large", offsets: [0x70028], value: 0),
    Form(location: "snapshot[0].disk_size", offsets: [0x70030], value: 64 << 20),
    Form(location: "snapshot[0].icount", offsets: [0x70038], value: nil),
    Form(location: "snapshot[name=sn1].l1[0]", offsets: [0x60000], value: nil),
    Form(location: "bitmap[0].bitmap_table_offset", offsets: [0x90000], value: 0x80000),
    Form(location: "bitmap[0].bitmap_table_size", offsets: [0x90008], value: 1),
    Form(location: "bitmap[name=b0].flags", offsets: [0x9000c], value: 2),
    Form(location: "bitmap[0].type", offsets: [0x90010], value: 1),
    Form(location: "bitmap[0].granularity_bits", offsets: [0x90011], value: 16),
    Form(location: "bitmap[0].name_size", offsets: [0x90012], value: 2),
    Form(location: "bitmap[0].extra_data_size", offsets: [0x90014], value: 0),
  ]

  /// Expressions and the value each has on the image.
  static let expressions: [(String, UInt64)] = [
    ("@l1_table", 0x30000), ("@refcount_table", 0x10000), ("@snapshot_table", 0x70000),
    ("@bitmap_directory", 0x90000), ("@eof", 0x90020), ("@refcount_block[0]", 0x20000),
    ("@l2_table[vaddr=0]", 0x40000), ("@data[vaddr=0]", 0x50000), ("@snapshot[0].l1_table", 0x60000),
    ("cluster", 0x10000), ("1M + 64k - 512", 0x10_fe00), ("0x1_0000 + 2k", 0x10800), ("3G", 3 << 30),
    ("2T - @eof + @eof", 2 << 40), ("0o17 + 0b11", 18),
  ]

  /// Edits of entry fields (and whole values), the location read back, and its raw value.
  static let fields: [(String, String, UInt64)] = [
    (#"{at: "l1[0]", copied: 1}"#, "l1[0]", 0x8000_0000_0004_0000),
    (#"{at: "l1[0]", copied: true}"#, "l1[0]", 0x8000_0000_0004_0000),
    (#"{at: "l2[vaddr=0]", zero: true, copied: false}"#, "l2[vaddr=0]", 0x50001),
    (#"{at: "l1[0]", offset: 0x60000}"#, "l1[0]", 0x60000),
    (#"{at: "l2[vaddr=0]", zero: 1}"#, "l2[vaddr=0]", 0x50001),
    (#"{at: "l2[vaddr=0]", copied: 1, offset: "@eof - 0x20 + cluster"}"#, "l2[vaddr=0]", 0x8000_0000_000a_0000),
    (#"{at: "l2[vaddr=0]", compressed: 1}"#, "l2[vaddr=0]", 0x4000_0000_0005_0000),
    (#"{at: "refcount_table[0]", offset: 0x30000}"#, "refcount_table[0]", 0x30000),
    (#"{at: "refcount[cluster=5]", value: 0xffff}"#, "refcount[cluster=5]", 0xffff),
    (#"{at: "snapshot[0].l1_size", value: 0xffffffff}"#, "snapshot[0].l1_size", 0xffff_ffff),
    (#"{at: "bitmap[0].flags", value: 7}"#, "bitmap[name=b0].flags", 7),
  ]

  @Test("get reports each location's host offsets and value", arguments: forms)
  func form(_ form: Form) throws {
    let image = try LocationFormTests.makeImage()
    defer { try? FileManager.default.removeItem(at: image.deletingLastPathComponent()) }
    let entries = try LocationFormTests.get(image, form.location)
    #expect(entries.map(\.offset) == form.offsets)
    if let value = form.value {
      #expect(entries.allSatisfy { $0.value == value }, "\(entries)")
    }
  }

  @Test("each expression evaluates on the image", arguments: expressions)
  func expression(_ text: String, _ value: UInt64) throws {
    let image = try LocationFormTests.makeImage()
    defer { try? FileManager.default.removeItem(at: image.deletingLastPathComponent()) }
    let result = try LocationFormTests.apply(#"{at: "refcount_table[1]", value: "\#(text)"}"#, to: image)
    #expect(try LocationFormTests.get(result, "refcount_table[1]").map(\.value) == [value])
  }

  @Test("each entry field is set, the other bits kept", arguments: fields)
  func field(_ edit: String, _ location: String, _ value: UInt64) throws {
    let image = try LocationFormTests.makeImage()
    defer { try? FileManager.default.removeItem(at: image.deletingLastPathComponent()) }
    let result = try LocationFormTests.apply(edit, to: image)
    #expect(try LocationFormTests.get(result, location).map(\.value) == [value])
  }

  @Test("a compressed entry's host_offset and sectors are set once the entry is compressed")
  func compressedFields() throws {
    let image = try LocationFormTests.makeImage()
    defer { try? FileManager.default.removeItem(at: image.deletingLastPathComponent()) }
    let result = try LocationFormTests.apply(
      #"{at: "l2[vaddr=0]", compressed: 1}"# + "\n      - set: "
        + #"{at: "l2[vaddr=0]", host_offset: 0x50123, sectors: 3}"#,
      to: image)
    // 64 KiB clusters: the host offset takes bits 0-53, the sector count bits 54-61.
    #expect(try LocationFormTests.get(result, "l2[vaddr=0]").map(\.value) == [0x4000_0000_0005_0123 | 3 << 54])
  }

  // MARK: Helpers

  /// The image described above, in a new directory.
  static func makeImage() throws -> URL {
    let directory = try TestSupport.makeTemporaryDirectory("qcow-batch-locations")
    let image = directory.appendingPathComponent("image.qcow2")
    try expectSuccess(TestSupport.tool("qemu-img", ["create", "-q", "-f", "qcow2", image.path, "64M"]), "qemu-img")
    try expectSuccess(TestSupport.tool("qemu-io", ["-c", "write 0 64k", image.path]), "qemu-io")
    try expectSuccess(TestSupport.tool("qemu-img", ["snapshot", "-c", "sn1", image.path]), "qemu-img snapshot")
    try expectSuccess(TestSupport.tool("qemu-img", ["bitmap", "--add", image.path, "b0"]), "qemu-img bitmap")
    return image
  }

  /// Applies one `set` edit (or several, joined by the caller) to a copy of `image`; returns the copy.
  static func apply(_ edit: String, to image: URL) throws -> URL {
    let directory = image.deletingLastPathComponent()
    let manifest = directory.appendingPathComponent("m.yaml")
    try Data(
      "version: 1\nimages:\n  - path: out.qcow2\n    from: image.qcow2\n    edits:\n      - set: \(edit)\n".utf8
    ).write(to: manifest)
    try expectSuccess(TestSupport.qcowBatch(["apply", "--quiet", manifest.path]), "apply")
    return directory.appendingPathComponent("out.qcow2")
  }

  /// What `get --json` reports for `location`.
  static func get(_ image: URL, _ location: String) throws -> [(offset: UInt64, value: UInt64)] {
    let result = try TestSupport.qcowBatch(["get", "--json", image.path, location])
    try expectSuccess(result, "get \(location)")
    let entries = try JSONSerialization.jsonObject(with: result.stdout) as? [[String: Any]] ?? []
    return entries.map {
      (($0["offset"] as? NSNumber)?.uint64Value ?? .max, ($0["value"] as? NSNumber)?.uint64Value ?? .max)
    }
  }
}

import Foundation

/// One corruption a QEMU iotest makes with `poke_file` (printf + dd) at offsets it assumes,
/// and the same corruption as manifest edits with named locations.
struct IotestCorruption: CustomStringConvertible, Sendable {
  /// How the image the corruption starts from is made.
  struct Template: Sendable {
    /// `qemu-img create -f qcow2` options (`-o` list), empty for the defaults.
    let options: String
    /// qemu-io commands run on it in one process each, then `qemu-img snapshot -c` names.
    var io: [String] = []
    var snapshots: [String] = []
  }

  /// Where a patch goes: a fixed offset, or one the iotest reads from the header first
  /// (`peek_file_be`), such as the snapshot table's.
  enum PatchOffset: Sendable {
    case fixed(UInt64)
    case snapshotTable(plus: UInt64)
  }

  /// What the iotest does to the file: a dd of bytes at an offset, or a truncate.
  enum Patch: Sendable {
    case bytes(PatchOffset, String)
    case truncate(UInt64)
  }

  /// The iotest and what it breaks.
  let name: String
  /// The image the iotest uses, with its patches at the iotest's offsets.
  let template: Template
  let patches: [Patch]
  /// Another cluster size or refcount width, with the patches at that layout's offsets.
  let variant: Template
  let variantPatches: [Patch]
  /// The manifest's `edits:` list, the same for both.
  let edits: String
  /// A location whose value `get` must show after the edits, with the raw value it must
  /// have on each template.
  let check: (location: String, value: UInt64, variantValue: UInt64)

  var description: String { name }

  /// Whether the iotest's offsets are fixed numbers (so they are wrong for the variant).
  var hasFixedOffsets: Bool {
    patches.allSatisfy { patch in
      if case .bytes(.snapshotTable, _) = patch { return false }
      return true
    }
  }

  static let written = Template(options: "", io: ["write 0 64k"])
  static let written4k = Template(options: "cluster_size=4k", io: ["write 0 64k"])

  static let all: [IotestCorruption] = [
    IotestCorruption(
      name: "060: L1[0] points at the L1 table itself", template: written,
      patches: [.bytes(.fixed(0x30000), "8000000000030000")], variant: written4k,
      variantPatches: [.bytes(.fixed(0x3000), "8000000000003000")],
      edits: #"- set: {at: "l1[0]", offset: "@l1_table", copied: 1}"#,
      check: ("l1[0]", 0x8000_0000_0003_0000, 0x8000_0000_0000_3000)),
    IotestCorruption(
      name: "060: L2[0] points at the refcount block", template: written,
      patches: [.bytes(.fixed(0x40000), "8000000000020000")], variant: written4k,
      variantPatches: [.bytes(.fixed(0x4000), "8000000000002000")],
      edits: #"- set: {at: "l2[vaddr=0]", offset: "@refcount_block[0]"}"#,
      check: ("l2[vaddr=0]", 0x8000_0000_0002_0000, 0x8000_0000_0000_2000)),
    IotestCorruption(
      name: "060: a refcount table entry points into the L1 table", template: written,
      patches: [.bytes(.fixed(0x10000), "0000000000030000")], variant: written4k,
      variantPatches: [.bytes(.fixed(0x1000), "0000000000003000")],
      edits: #"- set: {at: "refcount_table[0]", offset: "@l1_table"}"#,
      check: ("refcount_table[0]", 0x30000, 0x3000)),
    IotestCorruption(
      name: "060: refcount 0 for the in-use L2 table", template: written,
      patches: [.bytes(.fixed(0x20008), "0000")],
      variant: Template(options: "refcount_bits=64", io: ["write 0 64k"]),
      variantPatches: [.bytes(.fixed(0x20020), "0000000000000000")],
      edits: #"- set: {at: "refcount[host=@l2_table[vaddr=0]]", value: 0}"#,
      check: ("refcount[cluster=4]", 0, 0)),
    IotestCorruption(
      name: "060: the file grown, L1[0] at the new cluster, its refcount 1, L2[0] at the refcount block",
      template: Template(options: ""),
      patches: [
        .truncate(0x50000), .bytes(.fixed(0x30000), "8000000000040000"), .bytes(.fixed(0x20008), "0001"),
        .bytes(.fixed(0x40000), "8000000000020000"),
      ],
      variant: Template(options: "cluster_size=4k"),
      variantPatches: [
        .truncate(0x5000), .bytes(.fixed(0x3000), "8000000000004000"), .bytes(.fixed(0x2008), "0001"),
        .bytes(.fixed(0x4000), "8000000000002000"),
      ],
      edits: """
        - truncate: {size: "@l1_table + cluster + cluster"}
        - set: {at: "l1[0]", offset: "@l1_table + cluster", copied: 1}
        - set: {at: "refcount[host=@l1_table + cluster]", value: 1}
        - set: {at: "l2[vaddr=0]", offset: "@refcount_block[0]", copied: 1}
        """,
      check: ("l2[vaddr=0]", 0x8000_0000_0002_0000, 0x8000_0000_0000_2000)),
    IotestCorruption(
      name: "108: refcount table entry 1 points past the end of the file", template: written,
      patches: [.bytes(.fixed(0x10008), "0000000000100000")], variant: written4k,
      variantPatches: [.bytes(.fixed(0x1008), "0000000000100000")],
      edits: #"- set: {at: "refcount_table[1]", value: 1M}"#,
      check: ("refcount_table[1]", 0x10_0000, 0x10_0000)),
    IotestCorruption(
      name: "112: a 64-bit refcount of the data cluster set to 2^64-1",
      template: Template(options: "refcount_bits=64", io: ["write 0 64k"]),
      patches: [.bytes(.fixed(0x20028), "ffffffffffffffff")],
      variant: Template(options: "refcount_bits=64,cluster_size=4k", io: ["write 0 64k"]),
      variantPatches: [.bytes(.fixed(0x2028), "ffffffffffffffff")],
      edits: #"- set: {at: "refcount[host=@data[vaddr=0]]", value: 0xffffffffffffffff}"#,
      check: ("refcount[cluster=5]", .max, .max)),
    IotestCorruption(
      name: "112: an L2 entry without its COPIED bit", template: written,
      patches: [.bytes(.fixed(0x40000), "0000000000050000")], variant: written4k,
      variantPatches: [.bytes(.fixed(0x4000), "0000000000005000")],
      edits: #"- set: {at: "l2[vaddr=0]", copied: 0}"#, check: ("l2[vaddr=0]", 0x50000, 0x5000)),
    IotestCorruption(
      name: "138: an L1 entry with a misaligned L2 offset", template: written,
      patches: [.bytes(.fixed(0x30000), "8000000000042a00")], variant: written4k,
      variantPatches: [.bytes(.fixed(0x3000), "8000000000006a00")],
      edits: #"- set: {at: "l1[0]", offset: "@l2_table[vaddr=0] + 0x2a00"}"#,
      check: ("l1[0]", 0x8000_0000_0004_2a00, 0x8000_0000_0000_6a00)),
    IotestCorruption(
      name: "214: the compressed descriptor's sector count",
      template: Template(options: "", io: ["write -c 0 64k"]),
      patches: [.bytes(.fixed(0x40000), "4180")],
      // One cluster: qemu-io compresses several clusters in parallel, so their order varies.
      variant: Template(options: "cluster_size=4k", io: ["write -c 0 4k"]),
      variantPatches: [.bytes(.fixed(0x4000), "58")],
      edits: #"- set: {at: "l2[vaddr=0]", sectors: 6}"#,
      check: ("l2[vaddr=0]", 0x4180_0000_0005_0000, 0x5800_0000_0000_5000)),
    IotestCorruption(
      name: "271: extended L2 allocation and zero bitmaps overlap",
      template: Template(options: "extended_l2=on", io: ["write 0 64k"]),
      patches: [.bytes(.fixed(0x40008), "0000000100000001")],
      variant: Template(options: "extended_l2=on,cluster_size=16k", io: ["write 0 64k"]),
      variantPatches: [.bytes(.fixed(0x10008), "0000000100000001")],
      edits: #"- set: {at: "l2[vaddr=0]", alloc_bitmap: 1, zero_bitmap: 1}"#,
      check: ("l2[vaddr=0]", 0x8000_0000_0005_0000, 0x8000_0000_0001_4000)),
    IotestCorruption(
      name: "305: one byte of the second refcount table entry", template: written,
      patches: [.bytes(.fixed(0x1000e), "06")], variant: written4k, variantPatches: [.bytes(.fixed(0x100e), "06")],
      edits: #"- poke: {at: "@refcount_table + 14", hex: "06"}"#,
      check: ("refcount_table[1]", 0x600, 0x600)),
    IotestCorruption(
      name: "261: a snapshot's extra_data_size cut to 8",
      template: Template(options: "", io: ["write 0 64k"], snapshots: ["sn1"]),
      patches: [.bytes(.snapshotTable(plus: 36), "00000008")],
      variant: Template(options: "cluster_size=4k", io: ["write 0 64k"], snapshots: ["sn1"]),
      variantPatches: [.bytes(.snapshotTable(plus: 36), "00000008")],
      edits: #"- set: {at: "snapshot[name=sn1].extra_data_size", value: 8}"#,
      check: ("snapshot[0].extra_data_size", 8, 8)),
    IotestCorruption(
      name: "080: a snapshot's L1 table offset unaligned",
      template: Template(options: "", io: ["write 0 64k"], snapshots: ["sn1"]),
      patches: [.bytes(.snapshotTable(plus: 0), "0000000000400200")],
      variant: Template(options: "cluster_size=4k", io: ["write 0 64k"], snapshots: ["sn1"]),
      variantPatches: [.bytes(.snapshotTable(plus: 0), "0000000000400200")],
      edits: #"- set: {at: "snapshot[0].l1_table_offset", value: 0x400200}"#,
      check: ("snapshot[id=1].l1_table_offset", 0x40_0200, 0x40_0200)),
  ]
}

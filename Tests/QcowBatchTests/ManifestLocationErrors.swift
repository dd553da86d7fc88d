extension ManifestErrorCase {
  /// Edits of metadata by location that cannot be made: each error on its edit's line.
  static let locationErrors: [ManifestErrorCase] = [
    .load(
      "malformed locations and expressions, marked at the offending character",
      schema: .accepts("the location and expression syntax, and 'value' beside fields, are the loader's"),
      """
      version: 1
      images:
        - path: out/a.qcow2
          from: templates/written.qcow2
          edits:
            - set: {at: "l2[vaddr=0x", value: 0}
            - set: {at: "l2[vaddr=0]", offset: 0x60000, value: 1}
            - set: {at: "snapshot[0].flags", value: 1}
            - poke: {at: "@eof - ", u8: 1}
            - set: {at: "refcount[host=0..64k * 2]", value: 1}
            - set:
                at: l2[vaddr=@nosuch]
                value: 1
      """,
      [
        "m.yaml:6:29: error: bad location 'l2[vaddr=0x': '0x' is not a valid number",
        "m.yaml:7:14: error: give 'value' or fields (offset), not both",
        "m.yaml:8:32: error: bad location 'snapshot[0].flags': unknown snapshot field 'flags' (one of "
          + "'l1_table_offset', 'l1_size', 'id_str_size', 'name_size', 'date_sec', 'date_nsec', 'vm_clock_nsec', "
          + "'vm_state_size', 'extra_data_size', 'vm_state_size_large', 'disk_size', 'icount', 'l1')",
        "m.yaml:9:28: error: bad at '@eof - ': expected a number, 'cluster' or an @structure",
        "m.yaml:10:41: error: bad location 'refcount[host=0..64k * 2]': expected ']', found '*'",
        // A plain scalar: the column counts from its first character.
        "m.yaml:12:24: error: bad location 'l2[vaddr=@nosuch]': unknown structure '@nosuch' (one of '@l1_table', "
          + "'@refcount_table', '@snapshot_table', '@bitmap_directory', '@eof', '@refcount_block[N]', "
          + "'@l2_table[vaddr=V]', '@data[vaddr=V]', '@snapshot[N].l1_table')",
      ]),
    .plan(
      "locations that do not resolve, values that do not fit, bytes past the end, hostile tables",
      """
      version: 1
      images:
        - path: out/a.qcow2
          from: templates/written.qcow2
          edits:
            - set: {at: "l1[1]", value: 0}
            - set: {at: "refcount[cluster=4]", value: 0x10000}
            - poke: {at: "@eof - 2", u32: 1}
            - fill: {at: 0x90000, length: 64k, byte: 0}
            - set: {at: "snapshot[name=nope].l1_size", value: 1}
            - set: {at: "bitmap[name=nope].flags", value: 1}
            - set: {at: "snapshot[1].l1_size", value: 1}
            - set: {at: "l1[0]", zero: 1}
            - set: {at: "l2[vaddr=0]", offset: 0x50001}
            - poke: {at: 0, u8: 256}
        - path: out/b.qcow2
          from: templates/base.qcow2
          edits:
            - set: {at: "l2[vaddr=0]", copied: 1}
            - set: {at: "l1[0]", offset: 1M}
            - set: {at: "l2[vaddr=0]", copied: 1}
            - set: {at: "refcount_table[0x2000]", value: 0}
        - path: out/c.qcow2
          from: templates/written.qcow2
          edits:
            - set-header: {field: l1_size, value: 0xffffffff}
            - set: {at: "l1[0xfffffffe]", value: 0}
            - set-header: {field: refcount_order, value: 7}
            - set: {at: "refcount[cluster=0]", value: 0}
            - set-header: {field: snapshot_offset, value: 0xfffffffffffff000}
            - set: {at: "snapshot[0].l1_size", value: 0}
            - set: {at: "refcount[host=0..1T]", value: 1}
      """,
      [
        "m.yaml:6:9: error: l1[1]: index out of range (the table has 1 entry)",
        "m.yaml:7:9: error: refcount[cluster=4]: value 0x10000 does not fit a 16-bit refcount",
        "m.yaml:8:9: error: 4 bytes at 0x9001e end past the end of the file (589856 bytes): truncate to grow it first",
        "m.yaml:9:9: error: 65536 bytes at 0x90000 end past the end of the file (589856 bytes): "
          + "truncate to grow it first",
        "m.yaml:10:9: error: no snapshot named 'nope' (nb_snapshots is 1)",
        "m.yaml:11:9: error: no bitmap named 'nope'",
        "m.yaml:12:9: error: snapshot[1]: index out of range (nb_snapshots is 1)",
        "m.yaml:13:9: error: l1[0]: 'zero' is not a field of an L1 entry (its fields: offset, copied)",
        "m.yaml:14:9: error: l2[vaddr=0x0]: offset 0x50001 does not fit the field (a multiple of 2^9 below 2^56)",
        "m.yaml:15:9: error: value 0x100 does not fit u8",
        "m.yaml:19:9: error: l2[vaddr=0x0]: L1 entry 0 is unallocated",
        "m.yaml:21:9: error: l2[vaddr=0x0] (8 bytes at 0x100000) lies past the end of the file (196616 bytes)",
        "m.yaml:22:9: error: refcount_table[8192]: index out of range (the table has 8192 entries)",
        "m.yaml:27:9: error: l1[4294967294] (8 bytes at 0x80002fff0) lies past the end of the file (589856 bytes)",
        "m.yaml:29:9: error: refcount_order 7: refcounts are 1 to 64 bits (order 0 to 6)",
        "m.yaml:31:9: error: snapshot table entry 0 (40 bytes at 0xfffffffffffff000) lies past the end of the "
          + "file (589856 bytes)",
        "m.yaml:32:9: error: refcount[host=0x0..0x10000000000] names 16777216 clusters, more than 1048576",
      ]),
  ]
}

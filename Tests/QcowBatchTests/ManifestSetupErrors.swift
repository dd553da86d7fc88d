extension ManifestErrorCase {
  /// Setup steps that cannot run: each error at its step's line and column, as QEMU refuses it.
  static let setupErrors: [ManifestErrorCase] = [
    .load(
      "malformed setup steps",
      """
      version: 1
      images:
        - path: out/a.qcow2
          create: {size: 64M}
          setup:
            - wrte: {offset: 0, length: 64k}
            - write: {offset: 0, length: 64q}
            - write: {offset: 0, length: 64k, pattern: 256}
            - write-zeroes: {offset: 0}
            - discard: {offset: 0, length: 1k, pattern: 1}
            - snapshot: {name: s, date: 0x100000000}
            - write
        - path: out/b.qcow2
          create: {size: 64M}
          setup: {write: {offset: 0, length: 1}}
      """,
      [
        "m.yaml:6:9: error: unknown setup step 'wrte'; did you mean 'write'?",
        "m.yaml:7:36: error: '64q' is not a valid size for 'length' (a number, or with k, M, G, T suffixes)",
        "m.yaml:8:50: error: pattern 256 is not a byte (0 to 0xff)",
        "m.yaml:9:23: error: missing key 'length'",
        "m.yaml:10:42: error: unknown key 'pattern'",
        "m.yaml:11:35: error: date 4294967296 does not fit the snapshot table's 32-bit seconds",
        "m.yaml:12:9: error: a setup step is a mapping with one step key, e.g. 'write: {offset: 0, length: 64k}'",
        "m.yaml:15:12: error: 'setup' must be a sequence, found a mapping",
      ]),
    .plan(
      "steps past the virtual size or qemu-io's limits",
      """
      version: 1
      images:
        - path: out/a.qcow2
          create: {size: 64M}
          setup:
            - write: {offset: 0, length: 64k}
            - write: {offset: 64M, length: 512}
        - path: out/b.qcow2
          create: {size: 4G}
          setup:
            - write-zeroes: {offset: 0, length: 2G}
        - path: out/c.qcow2
          create: {size: 64M}
          setup:
            - discard: {offset: 0xffffffffffffffff, length: 2}
        - path: out/d.qcow2
          create: {size: 64M}
          setup:
            - write-compressed: {offset: 512, length: 64k}
        - path: out/e.qcow2
          create: {size: 64M}
          setup:
            - write-compressed: {offset: 1000, length: 64k}
        - path: out/f.qcow2
          create: {size: 64M}
          setup:
            - write: {offset: 0, length: 1}
            - write-compressed: {offset: 0, length: 64k}
      """,
      [
        "m.yaml:7:9: error: 512 bytes at offset 67108864 run past the virtual size (67108864 bytes)",
        "m.yaml:11:9: error: length cannot exceed 2147483136, given 2147483648 (qemu-io's limit)",
        "m.yaml:15:9: error: 2 bytes at offset 18446744073709551615 run past the virtual size (67108864 bytes)",
        "m.yaml:19:9: error: a compressed write must start on a cluster and cover whole clusters (Invalid argument)",
        "m.yaml:23:9: error: offset 1000 is not sector-aligned",
        "m.yaml:28:9: error: guest cluster 0x0 is allocated: compressed writes cannot overwrite (Input/output error)",
      ]),
    .plan(
      "images QEMU does not open read-write, or that setup steps do not write",
      """
      version: 1
      images:
        - path: out/a.qcow2
          from: templates/corrupt.qcow2
          setup:
            - write: {offset: 0, length: 64k}
        - path: out/b.qcow2
          from: templates/unknown-feature.qcow2
          setup:
            - discard: {offset: 0, length: 64k}
        - path: out/c.qcow2
          from: templates/encrypted.qcow2
          setup:
            - write-zeroes: {offset: 0, length: 64k}
        - path: out/d.qcow2
          from: templates/dirty.qcow2
          setup:
            - snapshot: {name: s}
        - path: out/e.qcow2
          from: templates/written.qcow2
          setup:
            - write: {offset: 0, length: 64k}
        - path: out/f.qcow2
          create: {size: 64M, data_file: data.raw}
          setup:
            - write: {offset: 0, length: 64k}
      """,
      [
        "m.yaml:6:9: error: Image is corrupt; cannot be opened read/write",
        "m.yaml:10:9: error: Unsupported qcow2 feature(s): Unknown incompatible feature: 8000000000000000",
        "m.yaml:14:9: error: the image is encrypted: setup steps cannot write encrypted data",
        "m.yaml:18:9: error: the dirty bit is set: QEMU would repair the refcounts on open; clear it first",
        "m.yaml:22:9: error: autoclear features are set: QEMU would rewrite them on open; setup steps do not model that",
        "m.yaml:26:9: error: setup steps do not write external data files",
      ]),
    .plan(
      "tables that point past the end of the file",
      """
      version: 1
      images:
        - path: out/a.qcow2
          from: templates/l2-past-end.qcow2
          setup:
            - snapshot: {name: s, date: 0}
        - path: out/b.qcow2
          from: templates/l2-past-end.qcow2
          setup:
            - discard: {offset: 0, length: 64k}
      """,
      [
        // The copy of the L1 table is written first.
        "m.yaml:6:9: error: Could not create snapshot 's': a data cluster at 0x10000000 is past the end of the file "
          + "(393224 bytes)",
        "m.yaml:10:9: error: a data cluster at 0x10000000 is past the end of the file (393216 bytes)",
      ]),
    .plan(
      "a snapshot of a refcount_bits=1 image with allocated clusters",
      """
      version: 1
      images:
        - path: out/a.qcow2
          create: {size: 64M, refcount_bits: 1}
          setup:
            - snapshot: {name: empty, date: 0}
            - write: {offset: 0, length: 64k}
            - snapshot: {name: s1, date: 0}
      """,
      [
        "m.yaml:8:9: error: Could not create snapshot 's1': Invalid argument: the refcount of cluster 7 would pass 1"
      ]),
  ]
}

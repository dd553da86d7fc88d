extension ManifestErrorCase {
  /// Manifests that load but whose plan fails: images, expectations, layout, targets.
  static let planErrors: [ManifestErrorCase] = [
    .plan(
      "from and path that are not qcow2 images",
      """
      version: 1
      images:
        - path: out/a.qcow2
          from: not-qcow2.raw
        - path: out/b.qcow2
          from: empty.raw
        - path: not-qcow2.raw
          edits:
            - set-header l1_size 4
      """,
      [
        // out/a.qcow2 is made from the result of the entry that edits not-qcow2.raw in place.
        "m.yaml:4:11: error: 'not-qcow2.raw': the entry that makes it ('not-qcow2.raw') has errors",
        "m.yaml:6:11: error: 'empty.raw': file too short for a qcow2 header (0 bytes)",
        "m.yaml:7:11: error: 'not-qcow2.raw': not a qcow2 image: magic is 0x0, expected 0x514649fb; "
          + "the result cannot be written: the header area would take 8 bytes, more than the first cluster "
          + "(1 byte): header 0, extensions and end marker 8",
      ]),
    .plan(
      "expect mismatches, checked before the edits",
      """
      version: 1
      images:
        - path: out/a.qcow2
          from: templates/base.qcow2
          expect:
            version: 2
            cluster_bits: 16
            incompatible_features: 0x1
            compatible_features: 0
            l1_size: "0o2"
          edits:
            - set-header: {field: l1_size, value: 2}
        - path: images/existing.qcow2
          expect: {size: 0x4000_0000, autoclear_features: 0}
      """,
      [
        "m.yaml:6:7: error: expected version 2, 'templates/base.qcow2' has 3",
        "m.yaml:8:7: error: expected incompatible_features [0], 'templates/base.qcow2' has []",
        "m.yaml:10:7: error: expected l1_size 2, 'templates/base.qcow2' has 1",
        "m.yaml:14:14: error: expected size 1073741824, 'images/existing.qcow2' has 67108864",
      ]),
    .plan(
      "header area beyond the first cluster, and header_length too small",
      """
      version: 1
      images:
        - path: out/fits.qcow2
          from: templates/small-512.qcow2
          edits:
            - add-header-ext: {magic: 0x12345678, hex: "\(String(repeating: "ab", count: 384))"}
        - path: out/over.qcow2
          from: templates/small-512.qcow2
          edits:
            - add-header-ext: {magic: 0x12345678, hex: "\(String(repeating: "ab", count: 385))"}
        - path: out/long.qcow2
          from: templates/base.qcow2
          edits:
            - set-header: {field: header_length, value: 0x10000}
        - path: out/short.qcow2
          from: templates/base.qcow2
          edits:
            - set-header header_length 64
      """,
      [
        // 112 + 8 + 385 rounded up to 392 + 8 = 520: one byte of payload too many.
        "m.yaml:7:5: error: 'out/over.qcow2': the header area would take 520 bytes, more than the first cluster "
          + "(512 bytes): header 112, extensions and end marker 408",
        "m.yaml:11:5: error: 'out/long.qcow2': the header area would take 65936 bytes, more than the first "
          + "cluster (65536 bytes): header 65536, extensions and end marker 400",
        "m.yaml:15:5: error: 'out/short.qcow2': header_length 64 is below 72: only its first 64 bytes of header "
          + "fields can be written, the extensions go over the rest (snapshot_offset would read back as "
          + "0x6803f85700000180, not 0x0)",
      ]),
    .plan(
      "the same target through .., a file symlink, a directory symlink and an absolute path",
      """
      version: 1
      images:
        - path: images/existing.qcow2
        - path: sub/../images/existing.qcow2
        - path: link.qcow2
        - path: ./images//existing.qcow2
        - path: out/new.qcow2
          from: templates/base.qcow2
        - path: outlink/new.qcow2
          from: templates/base.qcow2
        - path: "{dir}/out/new.qcow2"
          from: templates/base.qcow2
        - path: out/other.qcow2
          from: templates/base.qcow2
      """,
      [
        "m.yaml:4:11: error: 'sub/../images/existing.qcow2' is the same image as 'images/existing.qcow2' at line 3",
        "m.yaml:5:11: error: 'link.qcow2' is the same image as 'images/existing.qcow2' at line 3",
        "m.yaml:6:11: error: './images//existing.qcow2' is the same image as 'images/existing.qcow2' at line 3",
        "m.yaml:9:11: error: 'outlink/new.qcow2' is the same image as 'out/new.qcow2' at line 7",
        "m.yaml:11:11: error: '{dir}/out/new.qcow2' is the same image as 'out/new.qcow2' at line 7",
      ]),
    .plan(
      "target directory missing",
      """
      version: 1
      images:
        - path: nodir/a.qcow2
          from: templates/base.qcow2
        - path: sub/../nodir/b.qcow2
          from: templates/base.qcow2
        - path: out/ok.qcow2
          from: templates/base.qcow2
      """,
      [
        "m.yaml:3:11: error: the directory of 'nodir/a.qcow2' (nodir) does not exist",
        "m.yaml:5:11: error: the directory of 'sub/../nodir/b.qcow2' (sub/../nodir) does not exist",
      ]),
    .plan(
      "target directory not writable", unprivileged: true,
      """
      version: 1
      images:
        - path: locked/a.qcow2
          from: templates/base.qcow2
      """,
      ["m.yaml:3:11: error: cannot write to the directory of 'locked/a.qcow2' (locked): Permission denied"]),
    .plan(
      "deleting absent extensions",
      """
      version: 1
      images:
        - path: out/a.qcow2
          from: templates/base.qcow2
          edits:
            - del-header-ext: {magic: 0xe2792aca}
            - add-header-ext 0x12345678 x
            - del-header-ext 0x12345678
            - del-header-ext 0x12345678
      """,
      [
        "m.yaml:6:9: error: no header extension 0xe2792aca to delete",
        "m.yaml:9:9: error: no header extension 0x12345678 to delete",
      ]),
    .plan(
      "errors of several entries sharing merged settings, reported together",
      """
      version: 1
      x-shared: &shared
        from: templates/base.qcow2
        expect: {version: 3, l1_size: 1}
      images:
        - <<: *shared
          path: out/a.qcow2
          edits:
            - del-header-ext 0x6803f857
            - del-header-ext 0x6803f857
        - <<: *shared
          path: out/a.qcow2
        - <<: *shared
          path: nodir/c.qcow2
          from: templates/small-512.qcow2
        - path: out/d.qcow2
          from: not-qcow2.raw
      """,
      [
        // The merged `expect` is checked against the entry's own `from`; its mark is in x-shared.
        "m.yaml:4:24: error: expected l1_size 1, 'templates/small-512.qcow2' has 32",
        "m.yaml:10:9: error: no header extension 0x6803f857 to delete",
        "m.yaml:12:11: error: 'out/a.qcow2' is the same image as 'out/a.qcow2' at line 7",
        "m.yaml:14:11: error: the directory of 'nodir/c.qcow2' (nodir) does not exist",
        "m.yaml:17:11: error: 'not-qcow2.raw': not a qcow2 image: magic is 0x0, expected 0x514649fb; "
          + "the result cannot be written: the header area would take 8 bytes, more than the first cluster "
          + "(1 byte): header 0, extensions and end marker 8",
      ]),
  ]
}

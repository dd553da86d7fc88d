import Foundation

extension ManifestErrorCase {
  /// Manifests the loader rejects: YAML syntax, structure, names, numbers, missing files.
  static let loadErrors: [ManifestErrorCase] = [
    .load(
      "unclosed flow mapping", schema: .outside("a YAML syntax error"),
      """
      version: 1
      images:
        - path: out/a.qcow2
          from: templates/base.qcow2
          edits:
            - set-header: {field: l1_size, value: 4
        - path: out/b.qcow2
      """,
      [
        "m.yaml:7:9: error: YAML syntax error: while parsing a flow mapping started at line 6, column 21: "
          + "did not find expected ',' or '}'"
      ]),
    .load(
      "tab in indentation", schema: .outside("a YAML syntax error"),
      "version: 1\nimages:\n  - path: out/a.qcow2\n\tfrom: templates/base.qcow2\n",
      [
        "m.yaml:4:1: error: YAML syntax error: while scanning a plain scalar started at line 3, column 11: "
          + "found a tab character that violates indentation"
      ]),
    .load(
      "mapping value inside a plain scalar", schema: .outside("a YAML syntax error"),
      """
      version: 1
      images:
        - path: out/a.qcow2 from: templates/base.qcow2
      """,
      ["m.yaml:3:27: error: YAML syntax error: mapping values are not allowed in this context"]),
    .load(
      "unclosed quote", schema: .outside("a YAML syntax error"),
      """
      version: 1
      images:
        - path: "out/a.qcow2
          from: templates/base.qcow2
      """,
      [
        // The stream ends after the last character: the manifest has no final newline.
        "m.yaml:4:31: error: YAML syntax error: while scanning a quoted scalar started at line 3, column 11: "
          + "found unexpected end of stream"
      ]),
    .load(
      "undefined alias", schema: .outside("a YAML syntax error"),
      """
      version: 1
      images:
        - path: out/a.qcow2
          from: templates/base.qcow2
          edits: *missing
      """,
      ["m.yaml:5:12: error: YAML syntax error: found undefined alias"]),
    .load(
      "second YAML document", schema: .outside("two YAML documents"),
      """
      version: 1
      images:
        - path: out/a.qcow2
          from: templates/base.qcow2
      ---
      version: 1
      """,
      ["m.yaml:6:1: error: a manifest holds one YAML document, found a second"]),
    .load(
      "empty manifest", "# nothing but a comment\n",
      ["m.yaml:1:1: error: the manifest is empty: expected 'version' and 'images'"]),
    .load(
      "top level is a sequence", "- version: 1\n",
      ["m.yaml:1:1: error: expected a mapping with 'version', 'images', found a sequence"]),
    .load(
      "top-level keys: version, misspelt images, x- keys ignored",
      """
      version: 2
      imagez:
        - path: out/a.qcow2
      x-notes: ignored
      """,
      [
        "m.yaml:1:1: error: missing key 'images'",
        "m.yaml:1:10: error: unsupported manifest version 2; this qcow-batch reads version 1",
        "m.yaml:2:1: error: unknown key 'imagez'; did you mean 'images'?",
      ]),
    .load(
      "top-level wrong types",
      """
      version: [1]
      images: out/a.qcow2
      """,
      [
        "m.yaml:1:10: error: 'version' must be a scalar, found a sequence",
        "m.yaml:2:9: error: 'images' must be a sequence, found a scalar",
      ]),
    .load("no images", "version: 0x1\nimages: []\n", ["m.yaml:2:9: error: 'images' is empty"]),
    .load(
      "entry keys: duplicate, unknown, missing, not a mapping",
      """
      version: 1
      images:
        - path: out/a.qcow2
          path: out/b.qcow2
          frm: templates/base.qcow2
          x-comment: entry keys starting with x- are ignored
        - from: templates/base.qcow2
          edit: []
        - out/c.qcow2
      """,
      [
        "m.yaml:3:11: error: image 'out/a.qcow2' does not exist (give 'from' or 'create' to make it)",
        "m.yaml:4:5: error: duplicate key 'path'",
        "m.yaml:5:5: error: unknown key 'frm'; did you mean 'from'?",
        "m.yaml:7:5: error: missing key 'path'",
        "m.yaml:8:5: error: unknown key 'edit'; did you mean 'edits'?",
        "m.yaml:9:5: error: expected a mapping with 'path', 'from', 'setup', 'expect', 'edits', 'create', found a scalar",
      ]),
    .load(
      "wrong types of values and edits",
      """
      version: 1
      images:
        - path: {name: out/a.qcow2}
          from: [templates/base.qcow2]
        - path: out/b.qcow2
          from: templates/base.qcow2
          expect: [version, 3]
          edits: {set-header: {field: l1_size, value: 4}}
        - path: out/c.qcow2
          from: templates/base.qcow2
          edits:
            - 42
            - [set-header: l1_size]
            - set-header: l1_size 4
            - {set-header: {field: l1_size, value: 4}, del-header-ext: {magic: 1}}
            - set-header: {field: [l1_size], value: {v: 4}}
        - path: ""
          from: templates/base.qcow2
      """,
      [
        "m.yaml:3:11: error: 'path' must be a scalar, found a mapping",
        "m.yaml:4:11: error: 'from' must be a scalar, found a sequence",
        "m.yaml:7:13: error: 'expect' must be a mapping of header fields to values, found a sequence",
        "m.yaml:8:12: error: 'edits' must be a sequence, found a mapping",
        "m.yaml:12:9: error: unknown operation '42'",
        "m.yaml:13:22: error: expected a mapping with 'field', 'value', found a scalar",
        "m.yaml:14:21: error: expected a mapping with 'field', 'value', found a scalar",
        "m.yaml:15:9: error: an edit is a mapping with one operation key, e.g. 'set-header: {field: l1_size, value: 4}'",
        "m.yaml:16:29: error: 'field' must be a scalar, found a sequence",
        "m.yaml:16:47: error: 'value' must be a scalar, found a mapping",
        "m.yaml:17:11: error: 'path' is empty",
      ]),
    .load(
      "unknown fields, groups, operations and keys, structured and shorthand",
      """
      version: 1
      images:
        - path: out/a.qcow2
          from: templates/base.qcow2
          expect: {l1size: 1, incompatible_features: 0}
          edits:
            - set-header: {field: l1_sise, value: 4}
            - set-feature-bit: {group: incompatibl, bit: 0}
            - clear-feature-bit: {group: Autoclear, bit: 0}
            - set-heder: {field: l1_size, value: 4}
            - del-header-extension: {magic: 1}
            - set-header l1_sise 4
            - set-feature-bit compat 0
            - sett-header l1_size 4
            - add-header-ext: {magic: 1, date: hello}
      """,
      [
        "m.yaml:5:14: error: unknown header field 'l1size'; did you mean 'l1_size'?",
        "m.yaml:7:29: error: unknown header field 'l1_sise'; did you mean 'l1_size'?",
        "m.yaml:8:34: error: unknown feature group 'incompatibl'; use incompatible, compatible or autoclear",
        "m.yaml:9:36: error: unknown feature group 'Autoclear'; use incompatible, compatible or autoclear",
        "m.yaml:10:9: error: unknown operation 'set-heder'; did you mean 'set-header'?",
        "m.yaml:11:9: error: unknown operation 'del-header-extension'",
        "m.yaml:12:9: error: 'l1_sise' is not a known header field",
        "m.yaml:13:9: error: 'compat' is not a valid group, try 'incompatible', 'compatible', or 'autoclear'",
        "m.yaml:14:9: error: unknown operation 'sett-header'; did you mean 'set-header'?",
        "m.yaml:15:36: error: unknown key 'date'; did you mean 'data'?",
      ]),
    .load(
      "bad numbers and numbers out of range",
      """
      version: 1
      images:
        - path: out/a.qcow2
          from: templates/base.qcow2
          edits:
            - set-header: {field: l1_size, value: 1.5}
            - set-header: {field: l1_size, value: "017"}
            - set-header: {field: l1_size, value: true}
            - set-header: {field: l1_size, value: 1__000}
            - set-header: {field: l1_size, value: ""}
            - set-header: {field: size, value: -1}
            - set-header: {field: size, value: 0x1_0000_0000_0000_0000}
            - set-header: {field: l1_size, value: 0x1_0000_0000}
            - set-header: {field: version, value: 4294967296}
            - set-feature-bit: {group: incompatible, bit: 64}
            - clear-feature-bit: {group: compatible, bit: "0o100"}
            - add-header-ext: {magic: 0x1_0000_0000, data: x}
            - add-header-ext: {magic: 0, data: x}
            - del-header-ext: {magic: "0b"}
            - set-header l1_size 0x1_0000_0000
            - set-feature-bit incompatible 64
            - add-header-ext 0x100000000 data
            - del-header-ext nope
            - add-header-ext 0 zero
      """,
      [
        "m.yaml:6:45: error: '1.5' is not a valid number for 'l1_size'",
        "m.yaml:7:45: error: '017' is not a valid number for 'l1_size'",
        "m.yaml:8:45: error: 'true' is not a valid number for 'l1_size'",
        "m.yaml:9:45: error: '1__000' is not a valid number for 'l1_size'",
        "m.yaml:10:45: error: '' is not a valid number for 'l1_size'",
        "m.yaml:11:42: error: size -1 is out of range (0 to 2^64-1)",
        "m.yaml:12:42: error: size 18446744073709551616 is out of range (0 to 2^64-1)",
        "m.yaml:13:45: error: value 4294967296 does not fit header field 'l1_size' (32 bits)",
        "m.yaml:14:45: error: value 4294967296 does not fit header field 'version' (32 bits)",
        "m.yaml:15:53: error: bit 64 is out of range [0, 64)",
        "m.yaml:16:53: error: bit 64 is out of range [0, 64)",
        "m.yaml:17:33: error: magic 4294967296 is out of range (0 to 0xffffffff)",
        "m.yaml:18:33: error: magic 0 is the end-of-extensions marker, not an extension type",
        "m.yaml:19:33: error: '0b' is not a valid number for 'magic'",
        "m.yaml:20:9: error: value 4294967296 does not fit header field 'l1_size' (32 bits)",
        "m.yaml:21:9: error: '64' is not a valid bit number in range [0, 64)",
        "m.yaml:22:9: error: magic 4294967296 is outside 0..0xffffffff",
        "m.yaml:23:9: error: 'nope' is not a valid magic number",
        "m.yaml:24:9: error: magic 0 is the end-of-extensions marker, not an extension type",
      ]),
    .load(
      "both parts of an edit are checked",
      """
      version: 1
      images:
        - path: out/a.qcow2
          from: templates/base.qcow2
          edits:
            - set-feature-bit: {group: incompatibl, bit: 64}
            - set-header: {field: l1_sise, value: 0x}
      """,
      [
        "m.yaml:6:34: error: unknown feature group 'incompatibl'; use incompatible, compatible or autoclear",
        "m.yaml:6:52: error: bit 64 is out of range [0, 64)",
        "m.yaml:7:29: error: unknown header field 'l1_sise'; did you mean 'l1_size'?",
        "m.yaml:7:45: error: '0x' is not a valid number for 'value'",
      ]),
    .load(
      "edit bodies: payload sources, missing and unknown keys",
      """
      version: 1
      images:
        - path: out/a.qcow2
          from: templates/base.qcow2
          edits:
            - add-header-ext: {magic: 1, data: x, hex: "00"}
            - add-header-ext: {magic: 2, data: x, hex: "00", file: payloads/hello.bin}
            - add-header-ext: {magic: 3, hex: "0g"}
            - add-header-ext: {magic: 4, hex: "abc"}
            - add-header-ext: {data: x}
            - del-header-ext: {}
            - set-header: {field: l1_size}
            - set-header: {field: l1_size, value: 4, extra: 1}
            - set-feature-bit: {bit: 0}
            - add-header-ext: {magic: 5, data: [x]}
      """,
      [
        "m.yaml:6:25: error: give one of 'data', 'hex' or 'file', not data and hex",
        "m.yaml:7:25: error: give one of 'data', 'hex' or 'file', not data, hex and file",
        "m.yaml:8:41: error: 'hex' must be an even number of hex digits (spaces allowed), got '0g'",
        "m.yaml:9:41: error: 'hex' must be an even number of hex digits (spaces allowed), got 'abc'",
        "m.yaml:10:25: error: missing key 'magic'",
        "m.yaml:11:25: error: missing key 'magic'",
        "m.yaml:12:21: error: missing key 'value'",
        "m.yaml:13:48: error: unknown key 'extra'",
        "m.yaml:14:26: error: missing key 'group'",
        "m.yaml:15:42: error: 'data' must be a scalar, found a sequence",
      ]),
    .load(
      "expect keys",
      """
      version: 1
      images:
        - path: out/a.qcow2
          from: templates/base.qcow2
          expect:
            version: 3
            version: 3
            [l1_size]: 1
            l1_size: nope
      """,
      [
        "m.yaml:7:7: error: duplicate key 'version'",
        "m.yaml:8:7: error: header field names are scalars",
        "m.yaml:9:16: error: 'nope' is not a valid number for 'l1_size'",
      ]),
    .load(
      "missing files: image, from, payload", schema: .accepts("only files it names are missing"),
      """
      version: 1
      images:
        - path: out/none.qcow2
        - path: out/a.qcow2
          from: templates/none.qcow2
        - path: out/b.qcow2
          from: sub
        - path: sub
        - path: out/c.qcow2
          from: templates/base.qcow2
          edits:
            - add-header-ext: {magic: 0x12345678, file: payloads/none.bin}
            - add-header-ext: {magic: 0x12345678, file: payloads}
      """,
      [
        "m.yaml:3:11: error: image 'out/none.qcow2' does not exist (give 'from' or 'create' to make it)",
        "m.yaml:5:11: error: 'from' image 'templates/none.qcow2' does not exist",
        "m.yaml:7:11: error: 'from' image 'sub' is a directory, not an image file",
        "m.yaml:8:11: error: image 'sub' is a directory, not an image file",
        "m.yaml:12:51: error: cannot read payload file 'payloads/none.bin': No such file or directory",
        "m.yaml:13:51: error: cannot read payload file 'payloads': Is a directory",
      ]),
    .load(
      "create options: unknown names, bad values, a missing size, and create with from",
      """
      version: 1
      images:
        - path: out/new.qcow2
          create: {size: 64M, clustersize: 512, lazy_refcounts: maybe}
        - path: out/b.qcow2
          from: templates/base.qcow2
          create: {size: 1Q}
        - path: out/c.qcow2
          create: {cluster_size: 512}
      """,
      [
        "m.yaml:4:25: error: unknown create option 'clustersize'; did you mean 'cluster_size'?",
        "m.yaml:4:59: error: Parameter 'lazy_refcounts' expects 'on' or 'off'",
        "m.yaml:7:13: error: give 'from' or 'create', not both",
        "m.yaml:7:20: error: Parameter 'size' expects a non-negative number below 2^64",
        "m.yaml:9:13: error: 'create' needs a 'size' (or a 'backing_file' to take it from)",
      ]),
    .plan(
      "create combinations qemu-img refuses are refused with its reasons",
      """
      version: 1
      images:
        - path: out/d.qcow2
          create: {size: 1M, compat: 0.10, lazy_refcounts: on}
        - path: out/e.qcow2
          create: {size: 1M, cluster_size: 512, extended_l2: on}
      """,
      [
        "m.yaml:4:13: error: 'out/d.qcow2': Lazy refcounts only supported with compatibility level 1.1 and above "
          + "(use version=v3 or greater)",
        "m.yaml:6:13: error: 'out/e.qcow2': Extended L2 entries are only supported with cluster sizes of at least "
          + "16384 bytes",
      ]),
    .load(
      "alias cycle in an edit list", schema: .outside("a YAML cycle"),
      """
      version: 1
      images:
        - path: out/a.qcow2
          from: templates/base.qcow2
          edits: &edits
            - set-header l1_size 4
            - *edits
      """,
      ["m.yaml:5:12: error: an alias refers to a node that contains it"]),
    .load(
      "merge key cycle", schema: .outside("a YAML cycle"),
      """
      version: 1
      x-entry: &entry
        <<: *entry
      images: []
      """,
      ["m.yaml:2:10: error: an alias refers to a node that contains it"]),
    .load(
      "merge of a scalar", schema: .outside("a YAML merge error"),
      """
      version: 1
      x-from: &from templates/base.qcow2
      images:
        - <<: *from
          path: out/a.qcow2
      """,
      ["m.yaml:2:9: error: '<<' merges a mapping or a sequence of mappings, not a scalar"]),
    .load(
      "merge of a sequence holding a scalar", schema: .outside("a YAML merge error"),
      """
      version: 1
      x-entry: &entry {from: templates/base.qcow2}
      images:
        - <<: [*entry, 3]
          path: out/a.qcow2
      """,
      ["m.yaml:4:18: error: '<<' merges mappings, found a scalar"]),
    .load(
      "nesting deeper than 64 levels", schema: .accepts("only its nesting is too deep"),
      "version: 1\nimages:\n  - path: out/a.qcow2\n    from: templates/base.qcow2\n    edits: "
        + String(repeating: "[", count: 70) + String(repeating: "]", count: 70) + "\n",
      // The root is level 0 and the edit list level 3: the 61st bracket opens level 64.
      ["m.yaml:5:73: error: nesting deeper than 64 levels"]),
    .load(
      "aliases expanding to 2e7 edits", schema: .outside("too many edits to expand"),
      laughsManifest(levels: 7),
      ["m.yaml:13:12: error: more than 100000 edits for one image once shared lists are expanded"]),
  ]

  /// A "billion laughs" manifest: each level's list names the previous one ten times, and the
  /// entry's edit list (at line `levels` + 6, column 12) names the last level.
  static func laughsManifest(levels: Int) -> String {
    var text = "version: 1\nx-0: &l0 [set-feature-bit incompatible 0, set-feature-bit incompatible 1]\n"
    for level in 1...levels {
      text += "x-\(level): &l\(level) [" + Array(repeating: "*l\(level - 1)", count: 10).joined(separator: ", ") + "]\n"
    }
    return text + "images:\n  - path: out/a.qcow2\n    from: templates/base.qcow2\n    edits: [*l\(levels)]\n"
  }
}

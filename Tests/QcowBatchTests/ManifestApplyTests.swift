import Foundation
import Testing

/// A valid manifest and the images `apply` must make of it.
struct ManifestApplyCase: CustomStringConvertible, Sendable {
  let name: String
  /// The manifest text; `{dir}` stands for the manifest directory's canonical path.
  let manifest: String
  /// The images, in manifest order.
  let images: [ExpectedImage]
  /// Lines the text plan must contain.
  let planLines: [String]

  var description: String { name }

  init(_ name: String, _ manifest: String, planLines: [String] = [], _ images: [ExpectedImage]) {
    self.name = name
    self.manifest = manifest
    self.images = images
    self.planLines = planLines
  }
}

extension ManifestApplyCase {
  static let featureTable = ManifestApplyCheck.featureTable
  static let base = "templates/base.qcow2"
  static let small = "templates/small-512.qcow2"
  static let lazy = "templates/lazy.qcow2"
  static let unknownBit63 = "Unsupported qcow2 feature(s): Unknown incompatible feature: 8000000000000000"

  /// Manifests over the workspace's qemu-img images, together covering every operation and key.
  static let all: [ManifestApplyCase] = [
    ManifestApplyCase(
      "the example of the issue",
      """
      version: 1
      images:
        - path: out/dirty.qcow2          # the image this entry edits or produces
          from: templates/base.qcow2     # optional: start from a copy of this image
          expect:                        # optional: header values required before the edits
            version: 3
            incompatible_features: 0
          edits:
            - set-header: {field: l1_size, value: 4}
            - set-feature-bit: {group: incompatible, bit: 0}
            - clear-feature-bit: {group: autoclear, bit: 0}
            - add-header-ext: {magic: 0x12345678, data: "hello"}   # text; or hex: "00ff"; or file: payload.bin
            - del-header-ext: {magic: 0x6803f857}
            - set-feature-bit incompatible 63                   # shorthand: a qcow2.py command line
      """,
      planLines: [
        "out/dirty.qcow2  (from templates/base.qcow2)",
        "  l1_size: 1 -> 4",
        "  incompatible_features: [] -> [0, 63]  [set 0 (dirty bit), set 63]",
        "  - extension 0x6803f857 Feature table, 384 bytes",
        "  + extension 0x12345678 <unknown>, 5 bytes",
        "  header area: 512 -> 136 of 65536 bytes",
      ],
      [
        ExpectedImage(
          "out/dirty.qcow2", from: base, fields: ["l1_size": 4, "incompatible_features": 1 | 1 << 63],
          extensions: [.text(0x1234_5678, "hello")], qemu: .refused(unknownBit63))
      ]),
    ManifestApplyCase(
      "repair a bad magic",
      """
      version: 1
      images:
        - path: out/repaired.qcow2
          from: templates/bad-magic.qcow2
          expect: {magic: 0x12345678}
          edits:
            - set-header: {field: magic, value: 0x514649fb}
      """,
      planLines: ["  magic: 0x12345678 -> 0x514649fb", "  header area: 512 -> 512 of 65536 bytes"],
      [
        ExpectedImage(
          "out/repaired.qcow2", from: "templates/bad-magic.qcow2", fields: ["magic": 0x5146_49fb],
          extensions: [.kept(featureTable)])
      ]),
    ManifestApplyCase(
      "derive from an image with cluster_bits 22",
      """
      version: 1
      images:
        - path: out/big-clusters.qcow2
          from: templates/cluster-bits-22.qcow2
          expect: {cluster_bits: 22}
          edits:
            - set-feature-bit: {group: incompatible, bit: 1}
            - add-header-ext: {magic: 0x12345678, data: "hello"}
      """,
      planLines: [
        "  incompatible_features: [] -> [1]  [set 1 (corrupt bit)]",
        "  header area: 512 -> 528 of 4194304 bytes",
      ],
      [
        ExpectedImage(
          "out/big-clusters.qcow2", from: "templates/cluster-bits-22.qcow2", fields: ["incompatible_features": 2],
          extensions: [.kept(featureTable), .text(0x1234_5678, "hello")],
          qemu: .refused("Unsupported cluster size: 2^22"))
      ]),
    ManifestApplyCase(
      "edit in place without from",
      """
      version: 1
      images:
        - path: images/existing.qcow2
          expect: {version: 3, compatible_features: 0}
          edits:
            - set-feature-bit: {group: compatible, bit: 0}
            - add-header-ext: {magic: 0x7a7a, data: in place}
      """,
      planLines: [
        "images/existing.qcow2  (edited in place)", "  compatible_features: [] -> [0]  [set 0 (lazy refcounts)]",
      ],
      [
        ExpectedImage(
          "images/existing.qcow2", from: "images/existing.qcow2", fields: ["compatible_features": 1],
          extensions: [.kept(featureTable), .text(0x7a7a, "in place")],
          qemu: .clean(["format-specific.data.lazy-refcounts": "true"]))
      ]),
    ManifestApplyCase(
      "numbers as YAML integers and as qcow2.py strings",
      """
      version: 1
      images:
        - path: out/numbers.qcow2
          from: templates/base.qcow2
          expect: {cluster_bits: "0x10", refcount_order: 0o4, l1_size: "0b1", size: 67_108_864}
          edits:
            - set-header: {field: l1_size, value: 16}
            - set-header l1_size 1_000
            - add-header-ext: {magic: 0x1f, data: plain hex}
            - add-header-ext: {magic: "0o17", data: quoted octal}
            - add-header-ext: {magic: 4660, data: YAML integer}
            - add-header-ext: {magic: "0x_dead_beef", data: underscore after the prefix}
            - add-header-ext: {magic: 1_000, data: underscores}
            - add-header-ext: {magic: 0B1010, data: binary}
            - set-feature-bit: {group: compatible, bit: "0x3"}
            - set-feature-bit: {group: autoclear, bit: 0o7}
            - set-feature-bit compatible 0b101
      """,
      planLines: ["  l1_size: 1 -> 1000", "  compatible_features: [] -> [3, 5]  [set 3, set 5]"],
      [
        ExpectedImage(
          "out/numbers.qcow2", from: base,
          fields: ["l1_size": 1000, "compatible_features": 0b101000, "autoclear_features": 0x80],
          extensions: [
            .kept(featureTable), .text(0x1f, "plain hex"), .text(0o17, "quoted octal"), .text(4660, "YAML integer"),
            .text(0xdead_beef, "underscore after the prefix"), .text(1000, "underscores"), .text(10, "binary"),
          ])
      ]),
    ManifestApplyCase(
      "shorthand lines for every operation",
      """
      version: 1
      images:
        - path: out/shorthand.qcow2
          from: templates/base.qcow2
          edits:
            - set-header l1_size 8
            - set-feature-bit compatible 0
            - set-feature-bit autoclear 1
            - clear-feature-bit autoclear 1
            - add-header-ext 0x0badcafe data with  spaces
            - add-header-ext 0x1234
            - del-header-ext 0x6803f857
      """,
      planLines: ["  + extension 0xbadcafe <unknown>, 17 bytes", "  + extension 0x1234 <unknown>, 0 bytes"],
      [
        ExpectedImage(
          "out/shorthand.qcow2", from: base, fields: ["l1_size": 8, "compatible_features": 1],
          extensions: [.text(0x0bad_cafe, "data with  spaces"), .added(0x1234, [])],
          qemu: .clean(["format-specific.data.lazy-refcounts": "true"]))
      ]),
    ManifestApplyCase(
      "anchors, aliases, merge keys, nested edit lists and x- keys",
      """
      version: 1
      x-template: &template
        from: templates/base.qcow2
        expect: {version: 3, incompatible_features: 0}
      x-lazy: &lazy
        - set-feature-bit: {group: compatible, bit: 0}
      x-tag: &tag
        add-header-ext: {magic: 0x7467, data: shared}
      images:
        - <<: *template
          path: out/first.qcow2
          edits: [*lazy, *tag]
        - <<: *template
          path: out/second.qcow2
          from: templates/lazy.qcow2
          x-note: the entry's own 'from' wins over the merged one
          edits:
            - *tag
            - [*lazy, [clear-feature-bit compatible 0]]
        - <<: [{path: out/third.qcow2}, *template]
          edits: *lazy
      """,
      planLines: [
        "out/second.qcow2  (from templates/lazy.qcow2)", "  compatible_features: [0] -> []  [clear 0 (lazy refcounts)]",
      ],
      [
        ExpectedImage(
          "out/first.qcow2", from: base, fields: ["compatible_features": 1],
          extensions: [.kept(featureTable), .text(0x7467, "shared")],
          qemu: .clean(["format-specific.data.lazy-refcounts": "true"])),
        ExpectedImage(
          "out/second.qcow2", from: lazy, fields: ["compatible_features": 0],
          extensions: [.kept(featureTable), .text(0x7467, "shared")],
          qemu: .clean(["format-specific.data.lazy-refcounts": "false"])),
        ExpectedImage(
          "out/third.qcow2", from: base, fields: ["compatible_features": 1], extensions: [.kept(featureTable)],
          qemu: .clean(["format-specific.data.lazy-refcounts": "true"])),
      ]),
    ManifestApplyCase(
      "extension payloads: text, hex, file, none; deleting every copy of a magic",
      """
      version: 1
      images:
        - path: out/payloads.qcow2
          from: templates/base.qcow2
          edits:
            - add-header-ext: {magic: 0x11, data: "text: with a colon"}
            - add-header-ext: {magic: 0x22, hex: "de ad be ef 00 ff"}
            - add-header-ext: {magic: 0x33, file: payloads/hello.bin}
            - add-header-ext: {magic: 0x44}
            - add-header-ext: {magic: 0x55, data: one}
            - add-header-ext: {magic: 0x55, data: two}
            - del-header-ext: {magic: 0x55}
            - add-header-ext:
                magic: 0x66
                hex: >-
                  0001 0203
                  0405
      """,
      [
        ExpectedImage(
          "out/payloads.qcow2", from: base,
          extensions: [
            .kept(featureTable), .text(0x11, "text: with a colon"), .added(0x22, [0xde, 0xad, 0xbe, 0xef, 0x00, 0xff]),
            .file(0x33, "payloads/hello.bin"), .added(0x44, []), .added(0x66, [0, 1, 2, 3, 4, 5]),
          ])
      ]),
    ManifestApplyCase(
      "paths through .., ./, a directory symlink and absolute paths",
      """
      version: 1
      images:
        - path: sub/../out/dotdot.qcow2
          from: ./templates/../templates/base.qcow2
        - path: "{dir}/out/absolute.qcow2"
          from: "{dir}/templates/small-512.qcow2"
          edits:
            - add-header-ext: {magic: 0x61, file: "{dir}/payloads/hello.bin"}
        - path: outlink/through-link.qcow2
          from: templates/lazy.qcow2
          edits:
            - add-header-ext: {magic: 0x62, file: sub/../payloads/hello.bin}
      """,
      [
        ExpectedImage("out/dotdot.qcow2", from: base, extensions: [.kept(featureTable)]),
        ExpectedImage("out/absolute.qcow2", from: small, extensions: [.file(0x61, "payloads/hello.bin")]),
        ExpectedImage(
          "out/through-link.qcow2", from: lazy, extensions: [.kept(featureTable), .file(0x62, "payloads/hello.bin")]),
      ]),
    ManifestApplyCase(
      "from replaces an existing image",
      """
      version: 1
      images:
        - path: images/existing.qcow2
          from: templates/small-512.qcow2
          expect: {cluster_bits: 9}
          edits:
            - add-header-ext: {magic: 0x72, data: replaced}
      """,
      planLines: ["images/existing.qcow2  (from templates/small-512.qcow2)"],
      [ExpectedImage("images/existing.qcow2", from: small, extensions: [.text(0x72, "replaced")])]),
    ManifestApplyCase(
      "a header area that fills a 512-byte cluster exactly",
      """
      version: 1
      images:
        - path: out/full.qcow2
          from: templates/small-512.qcow2
          edits:
            - add-header-ext: {magic: 0x12345678, hex: "\(String(repeating: "5a", count: 384))"}
      """,
      planLines: ["  header area: 120 -> 512 of 512 bytes"],
      [
        ExpectedImage(
          "out/full.qcow2", from: small, extensions: [.added(0x1234_5678, Array(repeating: 0x5a, count: 384))])
      ]),
    ManifestApplyCase(
      "edits apply in order after expect",
      """
      version: 1
      images:
        - path: out/order.qcow2
          from: templates/base.qcow2
          expect: {l1_size: 1}
          edits:
            - set-header: {field: l1_size, value: 2}
            - set-header: {field: l1_size, value: 3}
            - set-feature-bit incompatible 1
            - clear-feature-bit incompatible 1
            - add-header-ext: {magic: 0x77, data: gone}
            - add-header-ext: {magic: 0x88, data: first}
            - del-header-ext: {magic: 0x77}
            - add-header-ext: {magic: 0x99, data: second}
        - path: out/copy.qcow2
          from: templates/base.qcow2
      """,
      planLines: ["  l1_size: 1 -> 3", "out/copy.qcow2  (from templates/base.qcow2)", "  no header changes"],
      [
        ExpectedImage(
          "out/order.qcow2", from: base, fields: ["l1_size": 3],
          extensions: [.kept(featureTable), .text(0x88, "first"), .text(0x99, "second")]),
        ExpectedImage("out/copy.qcow2", from: base, extensions: [.kept(featureTable)]),
      ]),
    ManifestApplyCase(
      "the corrupt bit and the dirty bit, as QEMU reads them",
      """
      version: 1
      images:
        - path: out/corrupt.qcow2
          from: templates/base.qcow2
          edits: [set-feature-bit incompatible 1]
        - path: out/dirty.qcow2
          from: templates/lazy.qcow2
          edits: [set-feature-bit incompatible 0]
      """,
      planLines: ["  incompatible_features: [] -> [1]  [set 1 (corrupt bit)]"],
      [
        ExpectedImage(
          "out/corrupt.qcow2", from: base, fields: ["incompatible_features": 2], extensions: [.kept(featureTable)],
          qemu: .clean(["format-specific.data.corrupt": "true", "dirty-flag": "false"])),
        ExpectedImage(
          "out/dirty.qcow2", from: lazy, fields: ["incompatible_features": 1], extensions: [.kept(featureTable)],
          qemu: .clean(["format-specific.data.corrupt": "false", "dirty-flag": "true"])),
      ]),
  ]
}

/// One of the example manifests shipped in `manifests/`, and what applying it makes.
struct ShippedManifestCase: CustomStringConvertible, Sendable {
  let file: String
  let images: [ExpectedImage]
  let planLines: [String]

  var description: String { file }

  init(_ file: String, planLines: [String] = [], _ images: [ExpectedImage]) {
    self.file = file
    self.images = images
    self.planLines = planLines
  }

  /// A feature table extension's data: 48 bytes per entry, type, bit number and a name
  /// padded with zeros to 46 bytes.
  static func featureTableData(_ entries: [(type: UInt8, bit: UInt8, name: String)]) -> [UInt8] {
    entries.flatMap { entry in
      let name = Array(entry.name.utf8)
      return [entry.type, entry.bit] + name + Array(repeating: 0, count: 46 - name.count)
    }
  }

  static let featureTable = ManifestApplyCheck.featureTable
  static let base = "templates/base.qcow2"

  static let all: [ShippedManifestCase] = [
    ShippedManifestCase(
      "backing-chain.yaml", planLines: ["  + extension 0xe2792aca Backing format, 3 bytes", "  no header changes"],
      [
        ExpectedImage("out/base.qcow2", from: base, extensions: [.kept(featureTable)]),
        ExpectedImage(
          "out/overlay.qcow2", from: "templates/overlay.qcow2",
          extensions: [.kept(featureTable), .text(0xe279_2aca, "raw")],
          qemu: .clean(["backing-filename": "base.qcow2", "backing-filename-format": "raw"])),
      ]),
    ShippedManifestCase(
      "corrupt-bit.yaml",
      [
        ExpectedImage(
          "out/corrupt.qcow2", from: base, fields: ["incompatible_features": 2], extensions: [.kept(featureTable)],
          qemu: .clean(["format-specific.data.corrupt": "true"])),
        ExpectedImage(
          "out/dirty.qcow2", from: base, fields: ["incompatible_features": 1, "compatible_features": 1],
          extensions: [.kept(featureTable)],
          qemu: .clean(["format-specific.data.lazy-refcounts": "true", "dirty-flag": "true"])),
      ]),
    ShippedManifestCase(
      "extensions-fit.yaml", planLines: ["  header area: 120 -> 4096 of 4096 bytes"],
      [
        ExpectedImage(
          "out/extensions-fit.qcow2", from: "templates/small-4k.qcow2",
          extensions: [.file(0x1234_5678, "payloads/fill-4k.bin")])
      ]),
    ShippedManifestCase(
      "iotests-corruptions.yaml",
      planLines: [
        "  setup write at guest 0x0+65536 of 0xcd: file 196616 bytes -> file 393216 bytes, 2 clusters allocated",
        "  l1[0] at 0x30000: offset 0x40000 copied -> offset 0x30000 copied",
      ],
      [
        .byHand("out/060-l1-points-at-itself.qcow2", as: "060: L1[0] points at the L1 table itself"),
        .byHand("out/060-l2-points-at-refcount-block.qcow2", as: "060: L2[0] points at the refcount block"),
        .byHand(
          "out/060-refcount-table-into-l1.qcow2", as: "060: a refcount table entry points into the L1 table"),
        .byHand("out/060-refcount-0-for-l2.qcow2", as: "060: refcount 0 for the in-use L2 table"),
        .byHand(
          "out/060-l2-in-grown-cluster.qcow2",
          as: "060: the file grown, L1[0] at the new cluster, its refcount 1, L2[0] at the refcount block"),
        .byHand(
          "out/108-refcount-table-past-eof.qcow2", as: "108: refcount table entry 1 points past the end of the file"),
        .byHand("out/112-refcount-max.qcow2", as: "112: a 64-bit refcount of the data cluster set to 2^64-1"),
        .byHand("out/112-l2-not-copied.qcow2", as: "112: an L2 entry without its COPIED bit"),
        .byHand("out/138-l1-misaligned.qcow2", as: "138: an L1 entry with a misaligned L2 offset"),
        .byHand("out/214-compressed-sectors.qcow2", as: "214: the compressed descriptor's sector count"),
        .byHand("out/271-bitmaps-overlap.qcow2", as: "271: extended L2 allocation and zero bitmaps overlap"),
      ]),
    ShippedManifestCase(
      "unknown-extension.yaml",
      [
        ExpectedImage(
          "out/unknown-extension.qcow2", from: base,
          extensions: [
            .kept(featureTable), .text(0x1234_5678, "hello"),
            .added(0x8765_4321, [0xde, 0xad, 0xbe, 0xef, 0x00, 0xff]), .text(0x0bad_cafe, "data with spaces"),
          ])
      ]),
    ShippedManifestCase(
      "unknown-feature.yaml", planLines: ["  incompatible_features: [] -> [63]  [set 63 (test feature)]"],
      [
        ExpectedImage(
          "out/unknown-feature.qcow2", from: base, fields: ["incompatible_features": 1 << 63],
          extensions: [.kept(featureTable)], qemu: .refused(ManifestApplyCase.unknownBit63)),
        ExpectedImage(
          "out/named-unknown-feature.qcow2", from: base, fields: ["incompatible_features": 1 << 63],
          extensions: [
            .added(
              featureTable,
              featureTableData([
                (0, 0, "dirty bit"), (0, 1, "corrupt bit"), (0, 2, "external data file"), (0, 3, "compression type"),
                (0, 4, "extended L2 entries"), (1, 0, "lazy refcounts"), (2, 0, "bitmaps"),
                (2, 1, "raw external data"), (0, 63, "test feature"),
              ]))
          ],
          qemu: .refused("Unsupported qcow2 feature(s): test feature")),
      ]),
  ]
}

/// Valid manifests applied to real qemu-img images: plan writes nothing and lists the
/// changes, apply produces exactly the expected headers, and qemu-img agrees.
@Suite struct ManifestApplyTests {
  @Test(arguments: ManifestApplyCase.all)
  func appliesManifest(_ good: ManifestApplyCase) throws {
    let workspace = try ManifestWorkspace()
    defer { workspace.remove() }
    try workspace.writeManifest(good.manifest)
    try ManifestApplyCheck(
      workspace: workspace, manifest: ManifestWorkspace.manifestName, images: good.images, planLines: good.planLines
    ).run()
  }

  @Test(arguments: ShippedManifestCase.all)
  func appliesShippedManifest(_ shipped: ShippedManifestCase) throws {
    let workspace = try ManifestWorkspace(copying: TestSupport.packageRoot.appendingPathComponent("manifests"))
    defer { workspace.remove() }
    let check = ManifestApplyCheck(
      workspace: workspace, manifest: shipped.file, images: shipped.images, planLines: shipped.planLines)
    try check.run()
  }

  /// Every shipped manifest has a case, so a new example cannot go untested.
  @Test func everyShippedManifestIsCovered() throws {
    let directory = TestSupport.packageRoot.appendingPathComponent("manifests")
    let shipped = try FileManager.default.contentsOfDirectory(atPath: directory.path).filter { $0.hasSuffix(".yaml") }
    #expect(shipped.sorted() == ShippedManifestCase.all.map(\.file).sorted())
  }
}

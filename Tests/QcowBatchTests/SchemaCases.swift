import Foundation

/// Manifests for the schema tests.
enum SchemaCases {
  /// An entry the loader accepts, for the variations below to add one structural error to.
  static func entry(_ rest: String) -> String {
    "version: 1\nimages:\n  - path: out/a.qcow2\n    from: templates/base.qcow2\n" + rest
  }

  /// Manifests with exactly one structural error each, which the loader rejects.
  static let oneStructuralError: [(name: String, text: String)] = [
    ("no version", "images:\n  - path: out/a.qcow2\n    from: templates/base.qcow2\n"),
    ("version 2", entry("").replacingOccurrences(of: "version: 1", with: "version: 2")),
    ("version '0x2'", entry("").replacingOccurrences(of: "version: 1", with: "version: \"0x2\"")),
    ("images a mapping", "version: 1\nimages: {path: out/a.qcow2}\n"),
    ("unknown top-level key", entry("image: []\n")),
    ("unknown entry key", entry("    form: templates/base.qcow2\n")),
    ("entry without path", "version: 1\nimages:\n  - from: templates/base.qcow2\n"),
    ("path a sequence", "version: 1\nimages:\n  - path: [out/a.qcow2]\n    from: templates/base.qcow2\n"),
    ("empty path", "version: 1\nimages:\n  - path: ''\n    from: templates/base.qcow2\n"),
    ("from and create", entry("    create: {size: 1M}\n")),
    ("unknown expected field", entry("    expect: {l1size: 1}\n")),
    ("expected value too large for its field", entry("    expect: {l1_size: 0x1_0000_0000}\n")),
    ("expected value not a number", entry("    expect: {l1_size: 4k}\n")),
    ("x- key in expect", entry("    expect: {x-note: 1}\n")),
    ("edits a mapping", entry("    edits: {set-header: {field: l1_size, value: 4}}\n")),
    ("edit a number", entry("    edits: [42]\n")),
    ("shorthand: unknown operation", entry("    edits: [set-heder l1_size 4]\n")),
    ("shorthand: unknown field", entry("    edits: [set-header l1_sise 4]\n")),
    ("shorthand: unknown group", entry("    edits: [set-feature-bit compat 0]\n")),
    ("shorthand: bad number", entry("    edits: [set-header l1_size x]\n")),
    ("shorthand: bad magic", entry("    edits: [del-header-ext nope]\n")),
    ("shorthand: missing operand", entry("    edits: [set-feature-bit incompatible]\n")),
    ("nested list with a bad edit", entry("    edits: [[set-header l1_size 4, 42]]\n")),
    (
      "two operations in one edit",
      entry("    edits: [{set-header: {field: l1_size, value: 4}, del-header-ext: {magic: 1}}]\n")
    ),
    ("operation body a scalar", entry("    edits: [{set-header: l1_size 4}]\n")),
    ("set-header without value", entry("    edits: [{set-header: {field: l1_size}}]\n")),
    ("set-header with an extra key", entry("    edits: [{set-header: {field: l1_size, value: 4, extra: 1}}]\n")),
    ("set-header value true", entry("    edits: [{set-header: {field: l1_size, value: true}}]\n")),
    ("set-header value 1.5", entry("    edits: [{set-header: {field: l1_size, value: 1.5}}]\n")),
    ("set-header value -1", entry("    edits: [{set-header: {field: size, value: -1}}]\n")),
    (
      "set-header value too large for its field",
      entry("    edits: [{set-header: {field: version, value: 0x1_0000_0000}}]\n")
    ),
    ("unknown group", entry("    edits: [{set-feature-bit: {group: Autoclear, bit: 0}}]\n")),
    ("bit 64", entry("    edits: [{clear-feature-bit: {group: autoclear, bit: 64}}]\n")),
    ("magic 0", entry("    edits: [{add-header-ext: {magic: 0, data: x}}]\n")),
    ("magic past 32 bits", entry("    edits: [{add-header-ext: {magic: 0x1_0000_0000, data: x}}]\n")),
    ("data and hex", entry("    edits: [{add-header-ext: {magic: 1, data: x, hex: '00'}}]\n")),
    ("odd hex", entry("    edits: [{add-header-ext: {magic: 1, hex: abc}}]\n")),
    ("extension without magic", entry("    edits: [{add-header-ext: {data: x}}]\n")),
    ("data a sequence", entry("    edits: [{add-header-ext: {magic: 1, data: [x]}}]\n")),
    ("unknown key deleting", entry("    edits: [{del-header-ext: {magic: 1, data: x}}]\n")),
    ("unknown create option", "version: 1\nimages:\n  - path: out/n.qcow2\n    create: {size: 1M, clustersize: 512}\n"),
    ("create without size", "version: 1\nimages:\n  - path: out/n.qcow2\n    create: {cluster_size: 512}\n"),
    (
      "create flag maybe", "version: 1\nimages:\n  - path: out/n.qcow2\n    create: {size: 1M, lazy_refcounts: maybe}\n"
    ),
    ("create size 1Q", "version: 1\nimages:\n  - path: out/n.qcow2\n    create: {size: 1Q}\n"),
    ("create a sequence", "version: 1\nimages:\n  - path: out/n.qcow2\n    create: [size]\n"),
  ]

  /// The valid manifests of the test suite by name; `{dir}` is replaced by a path.
  static func validManifests() throws -> [(name: String, text: String)] {
    let examples = TestSupport.packageRoot.appendingPathComponent("manifests")
    let names = try FileManager.default.contentsOfDirectory(atPath: examples.path).filter { $0.hasSuffix(".yaml") }
    var manifests = try names.sorted().map { name in
      ("manifests/\(name)", try String(contentsOf: examples.appendingPathComponent(name), encoding: .utf8))
    }
    manifests += ManifestApplyCase.all.map { ("apply: \($0.name)", $0.manifest) }
    for bad in ManifestErrorCase.loadErrors + ManifestErrorCase.planErrors + ManifestErrorCase.locationErrors
      + ManifestErrorCase.setupErrors
    {
      if case .accepts = bad.schema { manifests.append(("accepted: \(bad.name)", bad.manifest)) }
    }
    manifests.append(("diagnostics: plan errors", DiagnosticsTests.planErrors))
    manifests.append(("reflink", ReflinkTests.manifest))
    let transaction = ApplyEntry(
      path: "a.qcow2", from: "template.qcow2", expect: ["version: 3"],
      edits: [ApplyEdit.lazyRefcounts, ApplyEdit.corruptBit, ApplyEdit.mark("text")])
    manifests.append(("transaction manifests", ApplyScratch.manifestText([transaction, ApplyEntry(path: "b.qcow2")])))
    return manifests.map { ($0.0, $0.1.replacingOccurrences(of: ManifestWorkspace.directoryPlaceholder, with: "/ws")) }
  }
}

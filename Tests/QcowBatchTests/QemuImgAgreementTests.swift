import Foundation
import Testing

/// One way to make a test image with qemu-img and qemu-io: the commands run in order in a
/// new temporary directory and leave the image under test at `img.qcow2`.
struct QemuImageRecipe: CustomStringConvertible, Sendable {
  /// The image under test, relative to the recipe's directory.
  static let image = "img.qcow2"
  /// The secret object every encrypted recipe uses.
  static let secretObject = "secret,id=sec0,data=abc"
  /// Replaced by the recipe's directory (an absolute path) in every argument.
  static let directoryPlaceholder = "{dir}"

  /// A short name for test output.
  let name: String
  /// The command lines, each a tool name followed by its arguments.
  let commands: [[String]]
  /// Whether opening the image with I/O (qemu-io, qemu-img check) needs the secret.
  let encrypted: Bool
  /// Texts the report's warnings must contain, in order; empty for a clean image.
  let warnings: [String]

  var description: String { name }

  /// Whether the image is consistent, so that harmless edits must keep `qemu-img check` clean.
  var isClean: Bool { warnings.isEmpty }

  init(_ name: String, encrypted: Bool = false, warnings: [String] = [], _ commands: [[String]]) {
    self.name = name
    self.encrypted = encrypted
    self.warnings = warnings
    self.commands = commands
  }

  /// `qemu-img create -f qcow2 [-o OPTIONS] [EXTRA] FILE [SIZE]`, quiet.
  static func create(
    _ options: String? = nil, _ extra: [String] = [], file: String = image, size: String? = "64M"
  ) -> [String] {
    ["qemu-img", "create", "-q", "-f", "qcow2"] + (options.map { ["-o", $0] } ?? []) + extra + [file]
      + (size.map { [$0] } ?? [])
  }

  /// `qemu-img create` with a backing file of `format`.
  static func create(_ options: String? = nil, backing: String, format: String = "qcow2") -> [String] {
    create(options, ["-b", backing, "-F", format], size: nil)
  }

  /// `qemu-io` running one command on `file`, which is opened as qcow2.
  static func io(_ command: String, file: String = image) -> [String] {
    ["qemu-io", "-f", "qcow2", "-c", command, file]
  }

  /// `qemu-img bitmap OPERATIONS IMAGE NAME`.
  static func bitmap(_ operations: String..., name: String) -> [String] {
    ["qemu-img", "bitmap", "-f", "qcow2"] + operations + [image, name]
  }

  /// `qemu-img snapshot -c NAME` on the image (this subcommand takes no -f).
  static func snapshot(_ name: String) -> [String] {
    ["qemu-img", "snapshot", "-c", name, image]
  }

  /// `qemu-img amend -o OPTIONS` on the image: QEMU rewrites the header.
  static func amend(_ options: String) -> [String] {
    ["qemu-img", "amend", "-f", "qcow2", "-o", options, image]
  }

  /// The arguments that make qemu-img or qemu-io open `path` with I/O.
  func openArguments(_ path: String) -> [String] {
    guard encrypted else { return ["-f", "qcow2", path] }
    return [
      "--object", QemuImageRecipe.secretObject, "--image-opts",
      "driver=qcow2,file.filename=\(path),encrypt.key-secret=sec0",
    ]
  }

  /// Every recipe: one per qemu-img option that shapes the header, plus combinations and
  /// headers QEMU rewrote.
  static let all: [QemuImageRecipe] = {
    let luks = "encrypt.format=luks,encrypt.key-secret=sec0,encrypt.iter-time=10"
    let secret = ["--object", secretObject]
    let luksWrite = [
      "qemu-io", "--object", secretObject, "--image-opts",
      "driver=qcow2,file.filename=\(image),encrypt.key-secret=sec0", "-c", "write -P 0x5a 0 1M",
    ]
    // 506 "./" and an 11-byte name: 1023 bytes, the longest name QEMU accepts.
    let longBacking = String(repeating: "./", count: 506) + "base1.qcow2"
    return [
      QemuImageRecipe("default", [create()]),
      QemuImageRecipe("default, 1 MiB written", [create(), io("write -P 0xab 0 1M")]),
      QemuImageRecipe("empty (size 0)", [create(size: "0")]),
      QemuImageRecipe(
        "qcow2 backing file",
        [
          create(file: "base.qcow2"), io("write -P 0x11 0 2M", file: "base.qcow2"),
          create(backing: "base.qcow2"), io("write -P 0x22 1M 64k"),
        ]),
      QemuImageRecipe(
        "raw backing file",
        [["qemu-img", "create", "-q", "-f", "raw", "base.raw", "32M"], create(backing: "base.raw", format: "raw")]),
      QemuImageRecipe(
        "backing file, compat=0.10", [create(file: "base.qcow2"), create("compat=0.10", backing: "base.qcow2")]),
      QemuImageRecipe(
        "backing file, 512-byte clusters",
        [create(file: "base.qcow2"), create("cluster_size=512", backing: "base.qcow2")]),
      QemuImageRecipe(
        "non-ASCII names, absolute backing and data file paths",
        [
          create(file: "bäse \"1\".qcow2"),
          create("data_file={dir}/dätä.raw", backing: "{dir}/bäse \"1\".qcow2"), io("write 0 64k"),
        ]),
      QemuImageRecipe(
        "1023-byte backing file name", [create(file: "base1.qcow2", size: "1M"), create(backing: longBacking)]),
      QemuImageRecipe("external data file", [create("data_file=data.raw"), io("write -P 0x33 0 1M")]),
      QemuImageRecipe(
        "external raw data file", [create("data_file=data.raw,data_file_raw=on"), io("write -P 0x44 0 1M")]),
      QemuImageRecipe("extended L2", [create("extended_l2=on"), io("write -P 0x55 0 1M"), io("write 2M 4k")]),
      QemuImageRecipe(
        "extended L2, 16 KiB clusters", [create("extended_l2=on,cluster_size=16k", size: "1G"), io("write 0 8k")]),
      QemuImageRecipe("zstd", [create("compression_type=zstd"), io("write -c -P 0x66 0 64k")]),
      QemuImageRecipe("512-byte clusters", [create("cluster_size=512"), io("write -P 0x77 0 1M")]),
      QemuImageRecipe("4 KiB clusters", [create("cluster_size=4096"), io("write 0 64k")]),
      QemuImageRecipe("2 MiB clusters", [create("cluster_size=2M"), io("write -P 0x88 0 3M")]),
      QemuImageRecipe("lazy refcounts", [create("lazy_refcounts=on"), io("write 0 1M")]),
      QemuImageRecipe("compat=0.10", [create("compat=0.10"), io("write -P 0x99 0 1M")]),
      QemuImageRecipe("1-bit refcounts", [create("refcount_bits=1"), io("write 0 1M")]),
      QemuImageRecipe("64-bit refcounts", [create("refcount_bits=64"), io("write 0 1M")]),
      QemuImageRecipe(
        "several bitmaps",
        [
          create(), bitmap("--add", name: "plain"), bitmap("--add", "-g", "512", name: "fine"),
          bitmap("--add", "-g", "1M", name: "coarse"), bitmap("--add", name: "stopped"),
          bitmap("--disable", name: "stopped"),
          io("write -P 0xaa 0 1M"),
        ]),
      QemuImageRecipe(
        "snapshots",
        [create(), io("write 0 1M"), snapshot("first"), io("write 1M 1M"), snapshot("second-snapshot")]),
      QemuImageRecipe(
        "bitmaps and a snapshot, 4 KiB clusters",
        [
          create("cluster_size=4096"), bitmap("--add", "-g", "4096", name: "b0"), io("write 0 64k"), snapshot("s1"),
          bitmap("--add", name: "b1"), bitmap("--disable", name: "b0"),
        ]),
      QemuImageRecipe("LUKS", encrypted: true, [create(luks, secret, size: "16M"), luksWrite]),
      QemuImageRecipe(
        "LUKS, 512-byte clusters", encrypted: true, [create(luks + ",cluster_size=512", secret, size: "16M")]),
      QemuImageRecipe(
        "AES (legacy)", encrypted: true,
        [create("encrypt.format=aes,encrypt.key-secret=sec0", secret, size: "16M")]),
      QemuImageRecipe(
        "backing file, lazy, extended L2, zstd, 8-bit refcounts, data file",
        [
          create(file: "base.qcow2"),
          create(
            "lazy_refcounts=on,extended_l2=on,compression_type=zstd,refcount_bits=8,data_file=data.raw",
            backing: "base.qcow2"),
          io("write 0 1M"),
        ]),
      QemuImageRecipe(
        "compat=0.10 amended to 1.1, resized, rebased, a bitmap removed",
        [
          create("compat=0.10"), io("write 0 1M"), amend("compat=1.1,lazy_refcounts=on"),
          ["qemu-img", "resize", "-q", "-f", "qcow2", image, "+1G"],
          ["qemu-img", "create", "-q", "-f", "raw", "other.raw", "2G"],
          ["qemu-img", "rebase", "-u", "-f", "qcow2", "-b", "other.raw", "-F", "raw", image],
          bitmap("--add", name: "gone"), bitmap("--add", name: "kept"), bitmap("--remove", name: "gone"),
        ]),
      QemuImageRecipe("amended down to compat=0.10", [create(), io("write 0 1M"), amend("compat=0.10")]),
      // qemu-io's abort leaves the dirty bit (lazy refcounts) and the bitmap's in-use flag set.
      QemuImageRecipe(
        "dirty: lazy refcounts, aborted writer", warnings: ["dirty bit set"],
        [
          create("lazy_refcounts=on"), bitmap("--add", name: "busy"),
          ["sh", "-c", "ulimit -c 0; qemu-io -f qcow2 -c 'write 0 1M' -c abort \(image) 2>/dev/null; test $? -eq 134"],
        ]),
    ]
  }()
}

/// A harmless header edit, run as `qcow-batch qcow2 IMAGE ARGUMENTS`.
struct HarmlessEdit: CustomStringConvertible, Sendable {
  /// The arguments after the image.
  let arguments: [String]
  /// The compatible feature bit the edit sets, or nil for the extension edit.
  let compatibleBit: Int?

  var description: String { arguments.joined(separator: " ") }

  /// An unknown extension: QEMU skips it and keeps it.
  static let unknownExtension = HarmlessEdit(arguments: ["add-header-ext", "0x12345678", "hello"], compatibleBit: nil)
  /// An unknown compatible bit: QEMU ignores it.
  static let unknownCompatibleBit = HarmlessEdit(arguments: ["set-feature-bit", "compatible", "5"], compatibleBit: 5)
  /// Lazy refcounts, allowed on any clean version 3 image.
  static let lazyRefcounts = HarmlessEdit(arguments: ["set-feature-bit", "compatible", "0"], compatibleBit: 0)

  /// The edits that are harmless on an image of `version`. A version 2 header has no
  /// feature fields, so only the extension is harmless (and meaningful) there.
  static func all(version: UInt64) -> [HarmlessEdit] {
    version >= 3 ? [unknownExtension, unknownCompatibleBit, lazyRefcounts] : [unknownExtension]
  }
}

@Suite("qcow-batch info agrees with qemu-img on qemu-made images")
struct QemuImgAgreementTests {
  @Test(
    "info --json matches qemu-img info, and harmless edits keep qemu-img check clean",
    arguments: QemuImageRecipe.all)
  func recipe(_ recipe: QemuImageRecipe) throws {
    let directory = try TestSupport.makeTemporaryDirectory("qcow-batch-qemu")
    defer { try? FileManager.default.removeItem(at: directory) }
    for command in recipe.commands {
      let words = command.map {
        $0.replacingOccurrences(of: QemuImageRecipe.directoryPlaceholder, with: directory.path)
      }
      guard let tool = words.first else { continue }
      // Creating a LUKS image, qemu-img 7.2 times its key derivation by its own CPU time and
      // gives up when it measures none ("Unable to get accurate CPU usage"): here that is 2 to 4
      // runs in 10, idle machine or not, so such a run is tried again, up to 10 times in all.
      var result = try TestSupport.tool(tool, Array(words.dropFirst()), directory: directory)
      var attempts = 1
      while attempts < 10 && result.status != 0 && result.err.contains("Unable to get accurate CPU usage") {
        print("\(recipe.name): qemu-img could not time its key derivation; trying again")
        result = try TestSupport.tool(tool, Array(words.dropFirst()), directory: directory)
        attempts += 1
      }
      try #require(result.status == 0, "\(words.joined(separator: " ")) failed: \(result.err)")
    }
    let image = directory.appendingPathComponent(QemuImageRecipe.image)
    let compared = try expectAgreement(image, recipe: recipe, context: "as created", warnings: recipe.warnings)
    #expect(compared >= 13, "only \(compared) fields compared")
    guard recipe.isClean else { return }
    let check = try TestSupport.tool("qemu-img", ["check"] + recipe.openArguments(image.path), directory: directory)
    try #require(check.status == 0, "qemu-img check before any edit: \(check.out)\(check.err)")

    let version = try #require(number(try dumpHeader(image).header["version"]), "version")
    for edit in HarmlessEdit.all(version: version) {
      let copy = directory.appendingPathComponent("edited.qcow2")
      try? FileManager.default.removeItem(at: copy)
      try FileManager.default.copyItem(at: image, to: copy)
      let context = "after \(edit)"
      let before = try dumpHeader(copy)
      let result = try TestSupport.qcowBatch(["qcow2", copy.path] + edit.arguments)
      try #require(result.status == 0, "\(context): \(result.out)\(result.err)")

      let check = try TestSupport.tool("qemu-img", ["check"] + recipe.openArguments(copy.path), directory: directory)
      #expect(check.status == 0, "\(context): qemu-img check: \(check.out)\(check.err)")
      // qemu-img info must still open the image, and still agree with ours (lazy refcounts included).
      try expectAgreement(copy, recipe: recipe, context: context, warnings: [])

      let after = try dumpHeader(copy)
      let compatibleBefore = number(before.header["compatible_features"])
      let compatible = number(after.header["compatible_features"])
      if let bit = edit.compatibleBit {
        #expect(compatible == (compatibleBefore ?? 0) | 1 << UInt64(bit), "\(context): compatible_features")
        #expect(after.extensions.count == before.extensions.count, "\(context): extension count")
      } else {
        #expect(compatible == compatibleBefore, "\(context): compatible_features")
        #expect(after.extensions.count == before.extensions.count + 1, "\(context): extension count")
        let added = after.extensions.last
        #expect(number(added?["magic"]) == 0x1234_5678, "\(context): magic")
        #expect(number(added?["length"]) == 5, "\(context): length")
        #expect(added?["data_str"] as? String == "'hello'", "\(context): data")
      }
      for field in ["version", "size", "cluster_bits", "incompatible_features", "autoclear_features"] {
        #expect(number(after.header[field]) == number(before.header[field]), "\(context): \(field) changed")
      }
    }
  }

  @Test("the recipes cover every option the issue names")
  func coverage() {
    let words = QemuImageRecipe.all.flatMap { $0.commands.joined() }.joined(separator: " ")
    for option in [
      "-b", "data_file=", "data_file_raw=on", "extended_l2=on", "compression_type=zstd", "cluster_size=512",
      "cluster_size=2M", "lazy_refcounts=on", "compat=0.10", "refcount_bits=1", "refcount_bits=64", "--disable",
      "snapshot", "encrypt.format=luks", "write",
    ] {
      #expect(words.contains(option), "no recipe uses \(option)")
    }
  }

  // MARK: - Comparison

  /// Runs both `info` commands on `image`, expects every field both report to agree and the
  /// warnings to contain `warnings` in order, and returns how many fields were compared.
  @discardableResult
  private func expectAgreement(
    _ image: URL, recipe: QemuImageRecipe, context: String, warnings: [String]
  ) throws -> Int {
    let label = "\(recipe.name), \(context)"
    let ours = try TestSupport.qcowBatch(["info", image.path, "--json"])
    try #require(ours.status == 0, "\(label): qcow-batch info: \(ours.err)")
    let theirs = try TestSupport.tool("qemu-img", ["info", "--output=json", "-f", "qcow2", image.path])
    try #require(theirs.status == 0, "\(label): qemu-img info: \(theirs.err)")

    // JSONSerialization refuses trailing data, so this also checks there is one document.
    let report = try #require(
      try JSONSerialization.jsonObject(with: ours.stdout) as? [String: Any], "\(label): not one JSON object")
    let qemu = try #require(
      try JSONSerialization.jsonObject(with: theirs.stdout) as? [String: Any], "\(label): qemu-img JSON")
    #expect(number(report["schema"]) == 1, "\(label): schema")
    let reported = try #require(report["warnings"] as? [Any], "\(label): warnings").map { $0 as? String ?? "" }
    #expect(reported.count == warnings.count, "\(label): warnings \(reported)")
    for (text, expected) in zip(reported, warnings) {
      #expect(text.contains(expected), "\(label): warning '\(text)' lacks '\(expected)'")
    }
    let summary = try #require(report["summary"] as? [String: Any], "\(label): summary")
    let extensions = try #require(report["extensions"] as? [[String: Any]], "\(label): extensions")
    #expect(qemu["format"] as? String == "qcow2", "\(label): qemu-img format")
    let specific = try #require(qemu["format-specific"] as? [String: Any], "\(label): format-specific")
    #expect(specific["type"] as? String == "qcow2", "\(label): format-specific type")
    let data = try #require(specific["data"] as? [String: Any], "\(label): format-specific data")

    var compared = 0
    /// Compares one field; `theirs` nil means qemu-img does not report it for this image.
    func expectSame<Value: Equatable>(_ name: String, _ ours: Value?, _ theirs: Value??) {
      guard let theirs else { return }
      compared += 1
      #expect(ours == theirs, "\(label): \(name): ours \(show(ours)), qemu-img \(show(theirs))")
    }
    /// qemu-img's value for `key`: nil when absent, `.some(nil)` when of another type.
    func their<Value>(_ object: [String: Any], _ key: String, _ convert: (Any?) -> Value?) -> Value?? {
      object[key].map { convert($0) }
    }

    expectSame("virtual size", number(summary["virtual_size"]), their(qemu, "virtual-size", number))
    expectSame("cluster size", number(summary["cluster_size"]), their(qemu, "cluster-size", number))
    expectSame("dirty", summary["dirty"] as? Bool, their(qemu, "dirty-flag", bool))
    // qemu-img leaves these out when they are false or empty.
    let encrypted = (summary["encryption"] as? String).map { $0 != "none" }
    expectSame("encrypted", encrypted, .some(bool(qemu["encrypted"]) ?? false))
    expectSame("backing file", summary["backing_file"] as? String, .some(qemu["backing-filename"] as? String))
    expectSame(
      "backing format", summary["backing_format"] as? String, .some(qemu["backing-filename-format"] as? String))
    expectSame("snapshots", number(summary["snapshots"]), .some(UInt64((qemu["snapshots"] as? [Any])?.count ?? 0)))
    expectSame("data file", summary["data_file"] as? String, .some(data["data-file"] as? String))
    expectSame("data file raw", summary["data_file_raw"] as? Bool, .some(bool(data["data-file-raw"]) ?? false))

    expectSame("compat", summary["compat"] as? String, their(data, "compat", string))
    expectSame("compression type", summary["compression_type"] as? String, their(data, "compression-type", string))
    expectSame("refcount bits", number(summary["refcount_bits"]), their(data, "refcount-bits", number))
    // Version 2 images have no feature fields, and qemu-img leaves these out for them.
    expectSame("lazy refcounts", summary["lazy_refcounts"] as? Bool, their(data, "lazy-refcounts", bool))
    expectSame("corrupt", summary["corrupt"] as? Bool, their(data, "corrupt", bool))
    expectSame("extended L2", summary["extended_l2"] as? Bool, their(data, "extended-l2", bool))

    let encrypt = data["encrypt"] as? [String: Any]
    if let encrypt {
      expectSame("encryption format", summary["encryption"] as? String, their(encrypt, "format", string))
    }
    // QEMU sizes the crypto header extension to the LUKS header, and the payload follows it.
    let crypto = extensions.lazy.compactMap { $0["crypto_header"] as? [String: Any] }.first
    if let payload = encrypt?["payload-offset"] {
      expectSame("LUKS header length", crypto.flatMap { number($0["length"]) }, .some(number(payload)))
    }

    let directory = extensions.lazy.compactMap { ($0["bitmaps"] as? [String: Any])?["directory"] as? [[String: Any]] }
    let ourBitmaps = (directory.first ?? []).map(BitmapSummary.init)
    let theirBitmaps = ((data["bitmaps"] as? [[String: Any]]) ?? []).map(BitmapSummary.init)
    expectSame("bitmaps", ourBitmaps, .some(theirBitmaps))
    return compared
  }

  /// What both tools show of one bitmap.
  private struct BitmapSummary: Equatable, CustomStringConvertible {
    let name: String?
    let granularity: UInt64?
    let flags: [String]?

    init(_ entry: [String: Any]) {
      name = entry["name"] as? String
      granularity = (entry["granularity"] as? NSNumber)?.uint64Value
      flags = (entry["flags"] as? [Any])?.map { $0 as? String ?? "?" }
    }

    var description: String {
      "\(name ?? "?") (\(granularity.map(String.init) ?? "?")) \(flags ?? [])"
    }
  }

  /// `qcow-batch qcow2 IMAGE dump-header -j`: the header object and the extension list.
  private func dumpHeader(_ image: URL) throws -> (header: [String: Any], extensions: [[String: Any]]) {
    let result = try TestSupport.qcowBatch(["qcow2", image.path, "dump-header", "-j"])
    try #require(result.status == 0, "dump-header: \(result.err)")
    let parts = result.out.components(separatedBy: "\n\n")
    try #require(parts.count == 2, "dump-header -j prints two documents")
    let header = try JSONSerialization.jsonObject(with: Data(parts[0].utf8)) as? [String: Any]
    let extensions = try JSONSerialization.jsonObject(with: Data(parts[1].utf8)) as? [[String: Any]]
    return (try #require(header), try #require(extensions))
  }

  private func show<Value>(_ value: Value?) -> String {
    value.map { "\($0)" } ?? "null"
  }

  private func number(_ value: Any?) -> UInt64? { (value as? NSNumber)?.uint64Value }

  private func bool(_ value: Any?) -> Bool? { value as? Bool }

  private func string(_ value: Any?) -> String? { value as? String }
}

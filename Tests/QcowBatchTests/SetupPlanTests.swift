import Foundation
import Testing

/// Setup steps in a manifest's flow: shown by `plan` (text and JSON) without writing, seen by
/// `expect` and the edits, reading a backing image made earlier in the same manifest, and
/// dating snapshots as qemu-img does.
@Suite struct SetupPlanTests {
  static let manifest = """
    version: 1
    images:
      - path: a.qcow2
        create: {size: 64M}
        setup:
          - write: {offset: 0, length: 64k, pattern: 0x2a}
          - snapshot: {name: s1, date: 1700000000}
        expect:
          nb_snapshots: 1
        edits:
          - set: {at: "l2[vaddr=0]", copied: 1}

    """

  /// A new directory holding `manifest` as m.yaml; returns the directory and the manifest's path.
  static func workspace(_ label: String, manifest: String) throws -> (URL, String) {
    let directory = try TestSupport.makeTemporaryDirectory(label)
    let path = directory.appendingPathComponent("m.yaml").path
    try manifest.write(toFile: path, atomically: true, encoding: .utf8)
    return (directory, path)
  }

  @Test("plan shows each step and writes nothing; expect and the edits see the setup's result")
  func planAndApply() throws {
    let (directory, manifest) = try SetupPlanTests.workspace("qcow-batch-setup-plan", manifest: SetupPlanTests.manifest)
    defer { try? FileManager.default.removeItem(at: directory) }
    let plan = try TestSupport.qcowBatch(["plan", manifest])
    #expect(plan.status == 0, "\(plan.err)")
    #expect(
      plan.out.contains(
        "  setup write at guest 0x0+65536 of 0x2a: file 196616 bytes -> file 393216 bytes, 2 clusters allocated\n"
          + "  setup snapshot at 's1' dated 1700000000: file 393216 bytes -> file 458819 bytes, 2 clusters allocated\n"
          + "  l2[vaddr=0x0] at 0x40000: offset 0x50000 -> offset 0x50000 copied\n"), "\(plan.out)")
    let json = try TestSupport.qcowBatch(["plan", "--json", manifest])
    let document = try JSONSerialization.jsonObject(with: json.stdout) as? [String: Any]
    let image = (document?["images"] as? [[String: Any]])?.first
    let changes = image?["image_changes"] as? [[String: Any]] ?? []
    #expect(changes.map { $0["what"] as? String } == ["setup write", "setup snapshot", "l2[vaddr=0x0]"])
    #expect((changes.first?["new"] as? [String: Any])?["clusters_allocated"] as? Int == 2)
    let steps = changes.prefix(2).map { $0["step"] as? [String: [String: Any]] }
    #expect(steps.first??["write"]?["pattern"] as? Int == 0x2a)
    #expect(steps.first??["write"]?["length"] as? Int == 65536)
    #expect(steps.last??["snapshot"]?["name"] as? String == "s1")
    #expect(steps.last??["snapshot"]?["date"] as? Int == 1_700_000_000)
    #expect(changes.last?["step"] == nil, "an edit has no step")
    #expect(!FileManager.default.fileExists(atPath: directory.appendingPathComponent("a.qcow2").path), "plan wrote")

    let applied = try TestSupport.qcowBatch(["apply", "-q", manifest])
    #expect(applied.status == 0, "\(applied.err)")
    let get = try TestSupport.qcowBatch(["get", directory.appendingPathComponent("a.qcow2").path, "l2[vaddr=0]"])
    #expect(get.out == "l2[vaddr=0x0] at 0x40000: 0x8000000000050000 (offset 0x50000 copied)\n", "\(get.out)")
    let read = try TestSupport.tool(
      "qemu-io", ["-r", "-f", "qcow2", "-c", "read -P 0x2a 0 64k", "a.qcow2"], directory: directory)
    #expect(read.status == 0 && !read.out.contains("failed"), "\(read.out)")
  }

  @Test("a backing image made earlier in the manifest is read as planned, byte for byte as QEMU reads it")
  func plannedBacking() throws {
    let directory = try TestSupport.makeTemporaryDirectory("qcow-batch-setup-backing")
    defer { try? FileManager.default.removeItem(at: directory) }
    // The same names on both sides, in two directories: the overlay stores its backing's name.
    let qemu = directory.appendingPathComponent("qemu")
    let ours = directory.appendingPathComponent("ours")
    for side in [qemu, ours] { try FileManager.default.createDirectory(at: side, withIntermediateDirectories: true) }
    let commands = [
      ["qemu-img", "create", "-q", "-f", "qcow2", "base.qcow2", "64M"],
      ["qemu-io", "-f", "qcow2", "-c", "write -P 0x61 0 1M", "base.qcow2"],
      ["qemu-img", "create", "-q", "-f", "qcow2", "-b", "base.qcow2", "-F", "qcow2", "top.qcow2"],
      ["qemu-io", "-f", "qcow2", "-c", "write -P 0x62 1000 3000", "top.qcow2"],
    ]
    for command in commands {
      let result = try TestSupport.tool(command[0], Array(command.dropFirst()), directory: qemu)
      try #require(result.status == 0, "\(command): \(result.err)")
    }
    let manifest = """
      version: 1
      images:
        - path: base.qcow2
          create: {size: 64M}
          setup:
            - write: {offset: 0, length: 1M, pattern: 0x61}
        - path: top.qcow2
          create: {backing_file: base.qcow2, backing_fmt: qcow2}
          setup:
            - write: {offset: 1000, length: 3000, pattern: 0x62}

      """
    try manifest.write(to: ours.appendingPathComponent("m.yaml"), atomically: true, encoding: .utf8)
    let applied = try TestSupport.qcowBatch(["apply", "-q", ours.appendingPathComponent("m.yaml").path])
    try #require(applied.status == 0, "\(applied.err)")
    for name in ["base.qcow2", "top.qcow2"] {
      let same =
        try Data(contentsOf: qemu.appendingPathComponent(name)) == Data(contentsOf: ours.appendingPathComponent(name))
      #expect(same, "\(name) differs from QEMU's")
    }
    let read = try TestSupport.tool(
      "qemu-io",
      [
        "-r", "-f", "qcow2", "-c", "read -P 0x61 0 1000", "-c", "read -P 0x62 1000 3000", "-c",
        "read -P 0x61 4000 1044576", "top.qcow2",
      ],
      directory: ours)
    #expect(read.status == 0 && !read.out.contains("failed"), "\(read.out)")
  }

  @Test("a snapshot's date is SOURCE_DATE_EPOCH when set, else the current time in microseconds")
  func snapshotDates() throws {
    let (directory, manifest) = try SetupPlanTests.workspace(
      "qcow-batch-setup-date",
      manifest: """
        version: 1
        images:
          - path: a.qcow2
            create: {size: 64M}
            setup:
              - snapshot: {name: s}

        """)
    defer { try? FileManager.default.removeItem(at: directory) }
    let image = directory.appendingPathComponent("a.qcow2").path
    let fixed = try ApplyRun.run(manifest, ["-q"], environment: ["SOURCE_DATE_EPOCH=1234567890"])
    try #require(fixed.status == 0, "\(fixed.err)")
    let dated = try TestSupport.qcowBatch(["get", image, "snapshot[0].date_sec", "snapshot[0].date_nsec"])
    #expect(dated.out.contains(": 0x499602d2") && dated.out.hasSuffix(": 0x0\n"), "\(dated.out)")
    let before = UInt64(Date().timeIntervalSince1970)
    let now = try ApplyRun.run(manifest, ["-q"], environment: ["SOURCE_DATE_EPOCH="])
    try #require(now.status == 0, "\(now.err)")
    let after = UInt64(Date().timeIntervalSince1970) + 1
    let values = try TestSupport.qcowBatch(["get", image, "snapshot[0].date_sec", "snapshot[0].date_nsec", "--json"])
    let entries = try JSONSerialization.jsonObject(with: values.stdout) as? [[String: Any]] ?? []
    let numbers = entries.compactMap { $0["value"] as? UInt64 }
    try #require(numbers.count == 2, "\(values.out)")
    #expect(numbers[0] >= before && numbers[0] <= after, "date \(numbers[0]) outside \(before)...\(after)")
    #expect(numbers[1] % 1000 == 0 && numbers[1] < 1_000_000_000, "nanoseconds \(numbers[1])")
  }

  @Test("a 1 GiB pattern write is planned, staged and committed in bounded memory")
  func boundedMemory() throws {
    let (directory, manifest) = try SetupPlanTests.workspace(
      "qcow-batch-setup-memory",
      manifest: """
        version: 1
        images:
          - path: big.qcow2
            create: {size: 2G}
            setup:
              - write: {offset: 0, length: 1G, pattern: 0x5a}

        """)
    defer { try? FileManager.default.removeItem(at: directory) }
    // GNU time prints the peak RSS in KiB on the last line of stderr.
    let applied = try TestSupport.tool("time", ["-f", "%M", TestSupport.binary.path, "apply", "-q", manifest])
    try #require(applied.status == 0, "\(applied.err)")
    let peak = try #require(applied.err.split(separator: "\n").last.flatMap { Int($0) }, "\(applied.err)")
    // The data alone would be 1048576 KiB; the tables and the binary take a few MiB.
    #expect(peak < 128 << 10, "peak RSS \(peak) KiB")
    let image = directory.appendingPathComponent("big.qcow2").path
    let check = try TestSupport.tool("qemu-img", ["check", image])
    #expect(check.status == 0, "\(check.out)\(check.err)")
    let reads = ["read -P 0x5a 0 64k", "read -P 0x5a 512M 1M", "read -P 0x5a 1023M 1M", "read -P 0 1G 64k"]
    let read = try TestSupport.tool("qemu-io", ["-r", "-f", "qcow2"] + reads.flatMap { ["-c", $0] } + [image])
    #expect(read.status == 0 && !read.out.contains("failed") && read.out.contains("read 65536/65536"), "\(read.out)")
  }
}

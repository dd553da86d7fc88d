import Foundation
import Testing

/// Setup steps against QEMU 7.2: each sequence made with qemu-img create, one qemu-io process
/// per step and qemu-img snapshot, and with a manifest through the built binary; the files
/// are byte-identical (snapshot dates masked), `qemu-img check` is clean on both, and
/// `qemu-io read -P` finds the guest data the steps wrote, through backing files.
@Suite struct SetupAgreementTests {
  @Test("setup steps leave the bytes QEMU leaves", arguments: SetupCase.matrix)
  func agreesWithQemu(_ setup: SetupCase) throws {
    let directory = try TestSupport.makeTemporaryDirectory("qcow-batch-setup")
    defer { try? FileManager.default.removeItem(at: directory) }
    try makeBacking(setup.backing, size: setup.size, in: directory)
    try run(setup.qemuCreate(image: "qemu.qcow2"), in: directory)
    for step in setup.steps {
      try run(step.qemuCommand(image: "qemu.qcow2"), in: directory)
    }
    try SetupAgreementTests.maskSnapshotDates(directory.appendingPathComponent("qemu.qcow2"))
    try setup.manifest(image: "ours.qcow2").write(
      to: directory.appendingPathComponent("m.yaml"), atomically: true, encoding: .utf8)
    try run([TestSupport.binary.path, "apply", "-q", "m.yaml"], in: directory)
    let qemu = try Data(contentsOf: directory.appendingPathComponent("qemu.qcow2"))
    let ours = try Data(contentsOf: directory.appendingPathComponent("ours.qcow2"))
    if setup.exact {
      // Compared as one Bool: a failed == of two Data values would be diffed element by element.
      let same = qemu == ours
      let difference = same ? nil : zip(qemu, ours).enumerated().first { $0.element.0 != $0.element.1 }?.offset
      #expect(
        same, "\(qemu.count) and \(ours.count) bytes; first difference at \(difference ?? min(qemu.count, ours.count))")
    } else {
      try run(["qemu-img", "compare", "-f", "qcow2", "-F", "qcow2", "qemu.qcow2", "ours.qcow2"], in: directory)
    }
    for image in ["qemu.qcow2", "ours.qcow2"] {
      try run(["qemu-img", "check", "-f", "qcow2", image], in: directory)
    }
    let reads = setup.model.readCommands.flatMap { ["-c", $0] }
    let read = try TestSupport.tool("qemu-io", ["-r", "-f", "qcow2"] + reads + ["ours.qcow2"], directory: directory)
    #expect(read.status == 0 && !read.out.contains("failed"), "guest data: \(read.out)\(read.err)")
  }

  private func makeBacking(_ backing: SetupCase.Backing, size: UInt64, in directory: URL) throws {
    guard backing != .none else { return }
    try run(["qemu-img", "create", "-q", "-f", backing.rawValue, "base.img", String(size)], in: directory)
    let command = "write -P \(SetupCase.backingByte) 0 \(min(SetupCase.backingLength, size))"
    try run(["qemu-io", "-f", backing.rawValue, "-c", command, "base.img"], in: directory)
  }

  private func run(_ command: [String], in directory: URL) throws {
    let result = try TestSupport.tool(command[0], Array(command.dropFirst()), directory: directory)
    guard result.status == 0, !result.out.contains("failed") else {
      throw ManifestTestError("\(command.joined(separator: " ")) exited \(result.status): \(result.out)\(result.err)")
    }
  }

  /// Sets every snapshot's date in `image` to `SetupCaseStep.date` with 0 nanoseconds, as the
  /// manifests ask.
  static func maskSnapshotDates(_ image: URL) throws {
    let handle = try FileHandle(forUpdating: image)
    defer { try? handle.close() }
    let header = [UInt8](try handle.read(upToCount: 72) ?? Data())
    guard header.count == 72 else { throw ManifestTestError("short header") }
    let value = { (bytes: [UInt8], at: Int, width: Int) in
      bytes[at..<(at + width)].reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
    }
    var position = value(header, 64, 8)
    for _ in 0..<value(header, 60, 4) {
      position = (position + 7) / 8 * 8
      try handle.seek(toOffset: position)
      let entry = [UInt8](try handle.read(upToCount: 40) ?? Data())
      guard entry.count == 40 else { throw ManifestTestError("short snapshot entry") }
      try handle.seek(toOffset: position + 16)
      let date = SetupCaseStep.date
      try handle.write(contentsOf: [24, 16, 8, 0].map { UInt8(truncatingIfNeeded: date >> $0) } + [0, 0, 0, 0])
      position += 40 + value(entry, 36, 4) + value(entry, 12, 2) + value(entry, 14, 2)
    }
  }
}

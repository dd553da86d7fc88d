import Foundation
import Testing

// The argument tables of the transaction tests.

/// Whether this filesystem and these privileges allow `chattr +i`.
enum Chattr {
  static let immutableWorks: Bool = {
    guard let directory = try? TestSupport.makeTemporaryDirectory("qcow-batch-chattr") else { return false }
    defer { try? FileManager.default.removeItem(at: directory) }
    let file = directory.appendingPathComponent("probe").path
    guard FileManager.default.createFile(atPath: file, contents: Data([1])),
      let set = try? TestSupport.tool("chattr", ["+i", file]), set.status == 0
    else {
      print("chattr +i is not permitted here; the immutable-target variant is skipped")
      return false
    }
    _ = try? TestSupport.tool("chattr", ["-i", file])
    return true
  }()
}

/// Where the three targets of a rename-failure case live.
enum RenameLayout: String, CaseIterable, Sendable {
  /// `a`, `b` and `c` edited in place in one directory.
  case oneDirectory
  /// `a` and `c` in place; `b` created from a template.
  case newTargetInTheMiddle
  /// `d1/a`, `d2/b` and `d3/c`, each in its own directory.
  case threeDirectories

  /// The targets, in manifest order.
  var targets: [String] {
    switch self {
    case .oneDirectory: ["a.qcow2", "b.qcow2", "c.qcow2"]
    case .newTargetInTheMiddle: ["a.qcow2", "new.qcow2", "c.qcow2"]
    case .threeDirectories: ["d1/a.qcow2", "d2/b.qcow2", "d3/c.qcow2"]
    }
  }

  /// Makes the images; returns the manifest's path.
  func prepare(_ scratch: ApplyScratch) throws -> String {
    let names = targets
    for name in names where name.contains("/") {
      try scratch.directory(String(name.prefix { $0 != "/" }))
    }
    try scratch.image("template.qcow2")
    for (index, name) in names.enumerated() where !(self == .newTargetInTheMiddle && index == 1) {
      try scratch.image(name)
    }
    return try scratch.manifest(
      "m.yaml",
      [
        ApplyEntry(path: names[0], edits: [ApplyEdit.lazyRefcounts]),
        ApplyEntry(
          path: names[1], from: self == .newTargetInTheMiddle ? "template.qcow2" : nil,
          edits: [ApplyEdit.mark("second-target")]),
        ApplyEntry(path: names[2], edits: [ApplyEdit.corruptBit]),
      ])
  }

  /// Checks that all three edits are in place.
  func expectApplied(_ scratch: ApplyScratch) {
    let names = targets
    #expect(scratch.hasLazyRefcounts(names[0]), "\(names[0]) lacks its edit")
    #expect(scratch.headerContains(names[1], "second-target"), "\(names[1]) lacks its edit")
    #expect(scratch.hasCorruptBit(names[2]), "\(names[2]) lacks its edit")
  }
}

/// A rename-failure case: a layout and which rename fails.
struct RenameFailureCase: Sendable, CustomStringConvertible {
  let layout: RenameLayout
  /// The rename that fails, 1-based.
  let failAt: Int

  var description: String { "\(layout.rawValue), rename \(failAt) of 3 fails" }

  static let all = RenameLayout.allCases.flatMap { layout in
    (1...3).map { RenameFailureCase(layout: layout, failAt: $0) }
  }
}

/// What happens to a target while `apply` is stopped in the middle of staging.
enum Interference: String, CaseIterable, Sendable {
  /// A QEMU (qemu-io) opens the target and keeps it open.
  case qemuOpensTarget
  /// A QEMU (qemu-io) writes guest data into the target and exits.
  case writerChangesTarget
}

/// How a symlink target is laid out.
enum SymlinkShape: String, CaseIterable, Sendable {
  /// `link.qcow2 -> real.qcow2` in the same directory.
  case sameDirectoryRelative
  /// `links/link.qcow2 -> /ABSOLUTE/store/real.qcow2`.
  case otherDirectoryAbsolute
  /// `link.qcow2 -> links/hop.qcow2 -> ../store/real.qcow2`.
  case chainOfTwo

  /// The path the manifest names.
  var link: String { self == .otherDirectoryAbsolute ? "links/link.qcow2" : "link.qcow2" }
  /// The file the link finally points to.
  var real: String { self == .sameDirectoryRelative ? "real.qcow2" : "store/real.qcow2" }
  /// Every symlink, with the text it holds.
  func links(in scratch: ApplyScratch) -> [(path: String, destination: String)] {
    switch self {
    case .sameDirectoryRelative: [("link.qcow2", "real.qcow2")]
    case .otherDirectoryAbsolute: [("links/link.qcow2", scratch.path("store/real.qcow2"))]
    case .chainOfTwo: [("links/hop.qcow2", "../store/real.qcow2"), ("link.qcow2", "links/hop.qcow2")]
    }
  }
}

/// What an `apply --json` run meets.
enum JSONCase: String, CaseIterable, Sendable {
  case applied
  case renameFails
  case invalidPlan
  case missingDirectory
}

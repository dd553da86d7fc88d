import Foundation
import Testing

/// `plan --out FILE` and `apply FILE`: exactly the saved plan, or a refusal naming what changed.
@Suite("saved plans")
struct SavedPlanTests {
  static let manifest = """
    version: 1
    images:
      - path: out/a.qcow2
        from: templates/base.qcow2
        edits:
          - set-feature-bit: {group: incompatible, bit: 1}
      - path: out/b.qcow2
        from: out/a.qcow2
        edits:
          - set: {at: "refcount_table[1]", value: 0x100000}
    """

  @Test("a saved plan applies once; a changed source, target or manifest makes it stale")
  func savedPlan() throws {
    let workspace = try ManifestWorkspace()
    defer { workspace.remove() }
    try workspace.writeManifest(SavedPlanTests.manifest)
    let saved = workspace.path("plan.json")
    try expectSuccess(workspace.qcowBatch(["plan", "--out", saved]), "plan --out")
    let document =
      try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: saved))) as? [String: Any]
    #expect(document?["qcow_batch_plan"] as? Int == 1)
    let roles = (document?["fingerprints"] as? [[String: String]] ?? []).compactMap { $0["role"] }
    #expect(roles == ["manifest", "source", "target", "target"], "\(roles)")
    let applied = try TestSupport.qcowBatch(["apply", "--quiet", saved])
    #expect(applied.status == 0 && applied.out.contains("applied: 2 images written"), "\(applied.out)\(applied.err)")
    // Its targets have changed since: applying it again is refused, and nothing is written.
    let before = try workspace.snapshot()
    let again = try TestSupport.qcowBatch(["apply", "--quiet", saved])
    #expect(again.status == 1)
    #expect(again.err.contains("is stale: target '\(workspace.path("out/a.qcow2"))' changed"), "\(again.err)")
    #expect(try workspace.snapshot() == before)

    // A fresh plan, then the source changes.
    try expectSuccess(workspace.qcowBatch(["plan", "--out", saved]), "plan --out")
    try expectSuccess(
      TestSupport.qcowBatch(["qcow2", workspace.path("templates/base.qcow2"), "set-feature-bit", "compatible", "3"]),
      "qcow2")
    let source = try TestSupport.qcowBatch(["apply", "--quiet", saved])
    #expect(source.status == 1 && source.err.contains("source '\(workspace.path("templates/base.qcow2"))' changed"))

    // A fresh plan, then the manifest changes.
    try expectSuccess(workspace.qcowBatch(["plan", "--out", saved]), "plan --out")
    try workspace.writeManifest(SavedPlanTests.manifest + "\n")
    let manifest = try TestSupport.qcowBatch(["apply", "--quiet", saved])
    #expect(manifest.status == 1 && manifest.err.contains("manifest '"), "\(manifest.err)")
  }
}

/// One sequence of setup steps to make twice, with QEMU and with a manifest: the image's
/// create options, its backing file, the steps, and how the results must agree.
struct SetupCase: CustomStringConvertible, Sendable {
  /// The backing file of the image under test.
  enum Backing: String, Sendable {
    case none
    case qcow2
    case raw
  }

  /// The backing file's data: this byte over its first `backingLength` bytes.
  static let backingByte: UInt8 = 0x77
  static let backingLength: UInt64 = 3 << 20

  let name: String
  /// qemu-img create options as `key=value` pairs (also the manifest's `create` keys).
  let options: [(String, String)]
  let size: UInt64
  let backing: Backing
  let steps: [SetupCaseStep]
  /// Whether the files must be byte-identical; else (compressed writes of several clusters,
  /// which QEMU places in a varying order) `qemu-img compare` must find the same guest data.
  let exact: Bool

  var description: String { "\(name) [\(options.map { "\($0)=\($1)" }.joined(separator: ","))] \(backing)" }

  init(
    _ name: String, _ options: [(String, String)], size: UInt64 = 64 << 20, backing: Backing = .none,
    exact: Bool = true, _ steps: [SetupCaseStep]
  ) {
    self.name = name
    self.options = options
    self.size = size
    self.backing = backing
    self.exact = exact
    self.steps = steps
  }

  var clusterSize: UInt64 { options.first { $0.0 == "cluster_size" }.flatMap { UInt64($0.1) } ?? 65536 }
  var version: Int { options.contains { $0 == ("compat", "0.10") } ? 2 : 3 }

  /// The qemu-img create command of the image under test, `image` in the case's directory.
  func qemuCreate(image: String) -> [String] {
    let optionText = options.map { "\($0)=\($1)" }.joined(separator: ",")
    var command = ["qemu-img", "create", "-q", "-f", "qcow2"] + (optionText.isEmpty ? [] : ["-o", optionText])
    if backing != .none { command += ["-b", "base.img", "-F", backing.rawValue] }
    return command + [image, String(size)]
  }

  /// The manifest making the same image at `image`.
  func manifest(image: String) -> String {
    var create = ["size: \(size)"] + options.map { "\($0): \"\($1)\"" }
    if backing != .none { create += ["backing_file: base.img", "backing_fmt: \(backing.rawValue)"] }
    let lines = steps.map { "      - \($0.manifestLine)" }
    return """
      version: 1
      images:
        - path: \(image)
          create: {\(create.joined(separator: ", "))}
          setup:
      \(lines.joined(separator: "\n"))

      """
  }

  /// The guest data the result must read as.
  var model: GuestModel {
    var model = GuestModel(
      size: size, backing: backing == .none ? nil : SetupCase.backingByte, backingLength: SetupCase.backingLength)
    for step in steps {
      model.apply(step, clusterSize: clusterSize, version: version, hasBacking: backing != .none, size: size)
    }
    return model
  }
}

import Foundation

/// How the iotests make their images by hand: qemu-img and qemu-io for the template, then
/// printf and dd (or truncate) at the iotest's offsets, and qemu-img check's verdict.
extension IotestCorruption {
  /// The image the iotest makes for this corruption, at `url`: its template with its patches.
  func makeByHand(at url: URL) throws {
    try IotestCorruption.make(template, at: url)
    try IotestCorruption.apply(patches, to: url)
  }

  /// Makes `template` at `url` with qemu-img and qemu-io.
  static func make(_ template: IotestCorruption.Template, at url: URL) throws {
    let options = template.options.isEmpty ? [] : ["-o", template.options]
    try expectSuccess(
      TestSupport.tool("qemu-img", ["create", "-q", "-f", "qcow2"] + options + [url.path, "64M"]), "qemu-img create")
    for command in template.io {
      try expectSuccess(TestSupport.tool("qemu-io", ["-c", command, url.path]), "qemu-io")
    }
    for name in template.snapshots {
      try expectSuccess(TestSupport.tool("qemu-img", ["snapshot", "-c", name, url.path]), "qemu-img snapshot")
    }
  }

  /// Applies the iotest's patches with dd and truncate, as its poke_file does.
  static func apply(_ patches: [IotestCorruption.Patch], to url: URL) throws {
    for patch in patches {
      switch patch {
      case .truncate(let size):
        try expectSuccess(TestSupport.tool("truncate", ["-s", String(size), url.path]), "truncate")
      case .bytes(let place, let hex):
        let offset: UInt64
        switch place {
        case .fixed(let value): offset = value
        case .snapshotTable(let plus):
          // peek_file_be: the snapshot table offset from header bytes 64..71.
          let header = [UInt8](try Data(contentsOf: url).prefix(72))
          offset = header[64..<72].reduce(0) { $0 << 8 | UInt64($1) } + plus
        }
        // Octal escapes: POSIX printf (dash's) has no \x.
        let escaped = stride(from: 0, to: hex.count, by: 2).map { index -> String in
          let start = hex.index(hex.startIndex, offsetBy: index)
          let byte = UInt8(hex[start..<hex.index(start, offsetBy: 2)], radix: 16) ?? 0
          return "\\" + String(byte, radix: 8)
        }.joined()
        try expectSuccess(
          TestSupport.tool(
            "sh",
            ["-c", "printf '\(escaped)' | dd of=\"$1\" bs=1 seek=\(offset) conv=notrunc status=none", "sh", url.path]),
          "dd")
      }
    }
  }

  /// `qemu-img check`'s verdict: its exit status and output, with the file name taken out.
  static func check(_ url: URL) throws -> String {
    let result = try TestSupport.tool("qemu-img", ["check", url.path])
    return "\(result.status)\n" + (result.out + result.err).replacingOccurrences(of: url.path, with: "IMAGE")
  }
}

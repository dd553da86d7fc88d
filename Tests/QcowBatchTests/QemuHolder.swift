import Foundation
import Glibc

/// `qemu-io` holding an image open, as a running QEMU does, with its OFD locks.
final class QemuHolder {
  private let child: BackgroundProcess
  private let image: String

  /// Opens `image` read-write with `qemu-io` and waits until its locks show in /proc/locks.
  init(_ image: String, logs: URL) throws {
    self.image = image
    child = try BackgroundProcess(
      URL(fileURLWithPath: "/usr/bin/env"), ["qemu-io", "-f", "qcow2", image], logs: logs, name: "qemu-io")
    do {
      try Poll.until("qemu-io holds its locks on \(image)") { QemuHolder.isLocked(image) }
    } catch {
      child.process.terminate()
      _ = child.wait()
      throw error
    }
  }

  /// Quits `qemu-io` and waits for it to exit.
  func quit() {
    guard child.process.isRunning else { return }
    child.send("quit\n")
    child.closeInput()
    let exited = (try? Poll.until("qemu-io exits", timeout: 5, { !self.child.process.isRunning })) != nil
    if !exited { child.process.terminate() }
    _ = child.wait()
  }

  /// Whether /proc/locks lists an OFD lock (QEMU's kind) on the file at `path`.
  static func isLocked(_ path: String) -> Bool {
    var status = stat()
    guard stat(path, &status) == 0, let locks = try? String(contentsOfFile: "/proc/locks", encoding: .utf8)
    else { return false }
    let device = UInt64(status.st_dev)
    let major = ((device >> 8) & 0xfff) | ((device >> 32) & ~UInt64(0xfff))
    let minor = (device & 0xff) | ((device >> 12) & ~UInt64(0xff))
    // /proc/locks names a file as MAJOR:MINOR:INODE, the device numbers in two-digit hex.
    func hex(_ value: UInt64) -> String {
      let digits = String(value, radix: 16)
      return digits.count < 2 ? "0" + digits : digits
    }
    let key = hex(major) + ":" + hex(minor) + ":" + String(status.st_ino)
    return locks.split(separator: "\n").contains { line in
      let fields = line.split(separator: " ")
      return fields.contains("OFDLCK") && fields.contains { $0 == key }
    }
  }
}

import Glibc
import QcowCore

/// A one-line progress display on standard error (images staged, bytes copied, rate, time
/// left) for applies that take longer than about half a second. It shows only on a terminal.
final class Progress {
  /// Seconds before the line first appears.
  static let delayVariable = "QCOW_BATCH_PROGRESS_DELAY"

  private let totalImages: Int
  private let totalBytes: UInt64
  private let enabled: Bool
  private let start = Progress.now()
  private let delay: Double
  private var lastDraw = 0.0
  private var shown = false
  private(set) var imagesDone = 0
  private(set) var bytesDone: UInt64 = 0

  /// A display for `images` files holding `bytes` of data; silent unless stderr is a terminal.
  init(images: Int, bytes: UInt64, quiet: Bool) {
    totalImages = images
    totalBytes = bytes
    enabled = !quiet && isatty(2) == 1
    delay = Environment.integer(Progress.delayVariable).map(Double.init) ?? 0.5
  }

  /// Counts `bytes` more copied.
  func copied(_ bytes: UInt64) {
    bytesDone += bytes
    draw()
  }

  /// Counts one more image staged.
  func imageStaged() {
    imagesDone += 1
    draw(force: imagesDone == totalImages)
  }

  /// Erases the line, if it was shown.
  func finish() {
    guard shown else { return }
    printErrorRaw("\r\u{1b}[K")
    shown = false
  }

  private func draw(force: Bool = false) {
    guard enabled else { return }
    let elapsed = Progress.now() - start
    guard elapsed >= delay, force || elapsed - lastDraw >= 0.1 else { return }
    lastDraw = elapsed
    shown = true
    let rate = elapsed > 0 ? Double(bytesDone) / elapsed : 0
    let left = rate > 0 && totalBytes > bytesDone ? Double(totalBytes - bytesDone) / rate : 0
    let line =
      "staging \(imagesDone)/\(totalImages) images, \(Progress.size(bytesDone)) of \(Progress.size(totalBytes)) "
      + "copied, \(Progress.size(UInt64(rate)))/s, \(Int(left.rounded(.up))) s left"
    printErrorRaw("\r\u{1b}[K" + line)
  }

  private static func size(_ bytes: UInt64) -> String {
    let units = ["B", "KiB", "MiB", "GiB", "TiB"]
    var value = Double(bytes)
    var unit = 0
    while value >= 1024 && unit < units.count - 1 {
      value /= 1024
      unit += 1
    }
    return unit == 0
      ? "\(bytes) B" : String(Int(value * 10) / 10) + "." + String(Int(value * 10) % 10) + " " + units[unit]
  }

  private static func now() -> Double {
    var time = timespec()
    clock_gettime(CLOCK_MONOTONIC, &time)
    return Double(time.tv_sec) + Double(time.tv_nsec) / 1e9
  }
}

/// Writes `text` to standard error as it is.
func printErrorRaw(_ text: String) {
  try? FileDescriptor.standardError.writeAll(Array(text.utf8))
}

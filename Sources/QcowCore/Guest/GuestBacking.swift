/// What an image's unallocated clusters read from: a qcow2 image (with its own backing chain)
/// or a raw file. Reads past its virtual size return zeros, as QEMU's do.
indirect enum GuestBacking {
  case qcow2(GuestImage)
  case raw(any ImageSource)

  /// The backing image's guest size.
  var virtualSize: UInt64 {
    switch self {
    case .qcow2(let image): return image.geometry.virtualSize
    case .raw(let file): return file.size
    }
  }

  /// `count` bytes of guest data at `offset`.
  func read(at offset: UInt64, count: UInt64) throws -> [UInt8] {
    let size = virtualSize
    let inside = offset < size ? min(count, size - offset) : 0
    var bytes: [UInt8]
    switch self {
    case .qcow2(let image): bytes = try image.readGuest(at: offset, count: inside)
    case .raw(let file): bytes = try file.readAvailable(at: offset, upTo: inside, what: "the raw backing file")
    }
    if UInt64(bytes.count) < count { bytes += [UInt8](repeating: 0, count: Int(count) - bytes.count) }
    return bytes
  }

  /// Whether `count` bytes at `offset` read as zeros by their allocation alone, as QEMU's
  /// `bdrv_is_zero_fast` sees them (a raw file's data never does).
  func isZeroByAllocation(at offset: UInt64, count: UInt64) throws -> Bool {
    guard offset < virtualSize else { return true }
    switch self {
    case .qcow2(let image): return try image.isZeroByAllocation(at: offset, count: min(count, virtualSize - offset))
    case .raw: return false
    }
  }
}

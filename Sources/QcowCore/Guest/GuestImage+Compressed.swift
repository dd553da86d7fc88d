extension GuestImage {
  /// The guest data of a compressed cluster (`qcow2_co_preadv_compressed`): the stored
  /// sectors, read as zeros past the end of the file, decompressed to one cluster.
  func decompressedCluster(_ entry: L2Entry) throws -> [UInt8] {
    let (offset, length) = compressedRange(entry)
    var data = try draft.readAvailable(at: offset, upTo: length, what: "compressed data")
    if UInt64(data.count) < length { data += [UInt8](repeating: 0, count: Int(length) - data.count) }
    return try ClusterCompression.decompress(data, count: Int(geometry.clusterSize), type: compressionType)
  }

  /// qemu-io `write -c`: each cluster of `pattern` compressed on its own, in guest order, and
  /// packed into host clusters as `qcow2_alloc_bytes` packs them; a cluster that does not
  /// compress below a cluster is written normally. The offset must be cluster-aligned and the
  /// length whole clusters (or reach the end of the image), and no cluster may be allocated.
  mutating func writeCompressed(pattern: UInt8, at guest: UInt64, length: UInt64) throws {
    let cs = geometry.clusterSize
    guard geometry.offsetInCluster(guest) == 0,
      geometry.offsetInCluster(length) == 0 || guest + length == geometry.virtualSize
    else {
      throw QcowError("a compressed write must start on a cluster and cover whole clusters (Invalid argument)")
    }
    if length == 0 {
      // QEMU aligns the end of the file to a sector instead.
      draft.truncate(to: geometry.roundUp(draft.size, to: 512))
      return
    }
    var freeByteOffset: UInt64 = 0
    var offset = guest
    // Every cluster but a short last one holds the same bytes, so it compresses to the same
    // bytes: each cluster length is compressed once (nil: it does not compress).
    var compressedByLength: [UInt64: [UInt8]?] = [:]
    while offset < guest + length {
      let bytes = min(guest + length - offset, cs)
      let known = compressedByLength[bytes]
      let compressed =
        try known
        ?? ClusterCompression.compress(
          [UInt8](repeating: pattern, count: Int(bytes)) + [UInt8](repeating: 0, count: Int(cs - bytes)),
          limit: Int(cs) - 1, type: compressionType)
      if known == nil { compressedByLength[bytes] = .some(compressed) }
      guard let compressed else {
        try write(pattern: pattern, at: offset, length: bytes)
        offset += bytes
        continue
      }
      _ = try clusterTable(for: offset)
      let old = try entry(at: offset)
      guard old.entry & L2Entry.offsetMask == 0 else {
        throw QcowError(
          "guest cluster \(FieldFormat.hex.render(offset)) is allocated: compressed writes cannot overwrite "
            + "(Input/output error)")
      }
      let host = try allocateBytes(UInt64(compressed.count), free: &freeByteOffset)
      let sectors = (host + UInt64(compressed.count) - 1) / 512 - host / 512
      let shift = 62 - UInt64(geometry.clusterBits - 8)
      setEntry(L2Entry(entry: host | L2Entry.compressedFlag | sectors << shift, bitmap: 0), at: offset)
      try put(compressed, at: host)
      offset += bytes
    }
  }

  /// `qcow2_alloc_bytes`: `size` bytes right after the last compressed data of this process
  /// when they fit (or the next cluster is free to run into), else in a new cluster.
  private mutating func allocateBytes(_ size: UInt64, free freeByteOffset: inout UInt64) throws -> UInt64 {
    let cs = geometry.clusterSize
    var offset = freeByteOffset
    if offset != 0, refcounts.refcount(offset >> UInt64(geometry.clusterBits)) == refcounts.refcountMax { offset = 0 }
    var freeInCluster = cs - geometry.offsetInCluster(offset)
    while true {
      if offset == 0 || freeInCluster < size {
        let newCluster = refcounts.allocateUnreferenced(cs)
        guard newCluster != 0 else {
          throw QcowError("Preventing invalid allocation of compressed cluster at offset 0")
        }
        if offset == 0 || geometry.roundUp(offset, to: cs) != newCluster {
          offset = newCluster
          freeInCluster = cs
        } else {
          freeInCluster += cs
        }
      }
      if case .done = try refcounts.updateRefcount(offset: offset, length: size, decrease: false) { break }
    }
    freeByteOffset = geometry.offsetInCluster(offset + size) == 0 ? 0 : offset + size
    return offset
  }
}

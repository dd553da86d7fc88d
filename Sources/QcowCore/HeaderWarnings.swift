/// Checks a header area for states QEMU 7.2 refuses, repairs or warns about.
enum HeaderWarnings {
  /// One line per problem found, in QEMU's open order.
  static func check(_ area: HeaderArea) -> [String] {
    let header = area.header
    var warnings: [String] = []
    func warn(_ text: String) { warnings.append(text) }
    let clusterSize = area.clusterSize
    if header[.magic] != HeaderArea.magic {
      warn(
        "magic \(FieldFormat.hex.render(header[.magic])) is not 0x514649fb: QEMU will not open this as qcow2")
    }
    let version = header.version
    if version != 2 && version != 3 { warn("version \(version): QEMU supports only 2 and 3") }
    if !HeaderArea.clusterBitsRange.contains(clusterSize.bits) {
      warn(
        "cluster_bits \(clusterSize.bits) is outside 9..21 (cluster size \(clusterSize.description)): "
          + "QEMU refuses the image")
    }
    let headerLength = header.headerLength
    if version != 2 && headerLength < 104 {
      warn("header_length \(headerLength) is below 104: QEMU refuses the image (header too short)")
    }
    if version != 2 && headerLength > clusterSize.limit {
      warn("header_length \(headerLength) is larger than the cluster size: QEMU refuses the image")
    }
    if headerLength % 8 != 0 { warn("header_length \(headerLength) is not a multiple of 8") }
    let backingOffset = header[.backingFileOffset]
    let backingSize = header[.backingFileSize]
    if backingOffset > clusterSize.limit {
      warn("backing_file_offset \(backingOffset) is past the first cluster: QEMU refuses the image")
    } else if backingOffset != 0 && backingSize > clusterSize.limit - backingOffset {
      warn(
        "the backing file name (\(backingSize) bytes at offset \(backingOffset)) runs past the first cluster: QEMU refuses the image"
      )
    }
    if backingOffset != 0 && backingSize > 1023 {
      warn("backing_file_size \(backingSize) is over 1023: QEMU refuses the name as too long")
    }
    let incompatible = header[.incompatibleFeatures]
    let compression = header[.compressionType]
    if compression != 0 && incompatible & 0x8 == 0 {
      warn("compression_type \(compression) without incompatible bit 3: QEMU refuses the image")
    }
    if compression == 0 && incompatible & 0x8 != 0 {
      warn("incompatible bit 3 (compression type) set with compression_type 0: QEMU refuses the image")
    }
    if compression > 1 { warn("compression_type \(compression) is unknown: QEMU refuses the image") }
    let unknownIncompatible = incompatible & ~FeatureGroup.incompatible.knownMask
    if unknownIncompatible != 0 {
      warn("unknown incompatible feature bits \(FieldFormat.flags.render(unknownIncompatible)): QEMU refuses the image")
    }
    if incompatible & 0x2 != 0 {
      warn("corrupt bit set: QEMU opens the image read-only only (qemu-img check -r repairs)")
    }
    if incompatible & 0x1 != 0 { warn("dirty bit set: QEMU rebuilds the refcounts on the next read-write open") }
    if incompatible & 0x10 != 0 && header[.clusterBits] < 14 {
      warn("extended L2 entries with \(clusterSize.description) clusters: QEMU needs 16 KiB or more")
    }
    if header[.refcountOrder] > 6 { warn("refcount_order \(header[.refcountOrder]) is over 6: QEMU refuses the image") }
    if header[.cryptMethod] > 2 { warn("crypt_method \(header[.cryptMethod]) is unknown: QEMU refuses the image") }
    if header[.refcountTableClusters] == 0 { warn("refcount_table_clusters is 0: QEMU refuses the image") }
    for field in [HeaderField.refcountTableOffset, .l1TableOffset, .snapshotOffset]
    where !clusterSize.isAligned(header[field]) {
      warn("\(field.name) \(FieldFormat.hex.render(header[field])) is not cluster-aligned: QEMU refuses the image")
    }
    if header[.nbSnapshots] > 65536 { warn("nb_snapshots \(header[.nbSnapshots]) is over QEMU's limit of 65536") }
    if let needed = requiredL1Size(header, clusterBits: header[.clusterBits]), UInt64(header[.l1Size]) < needed {
      warn(
        "l1_size \(header[.l1Size]) is too small for size \(header[.size]) (needs \(needed)): QEMU refuses the image")
    }
    if header[.l1Size] > (32 << 20) / 8 { warn("l1_size \(header[.l1Size]) is over QEMU's 32 MiB L1 limit") }
    let unknownAutoclear = header[.autoclearFeatures] & ~FeatureGroup.autoclear.knownMask
    if unknownAutoclear != 0 {
      warn(
        "unknown autoclear bits \(FieldFormat.flags.render(unknownAutoclear)): QEMU clears them on the next read-write open"
      )
    }
    warnings += area.unreadable.map { "\($0): qcow2.py stops here with an error, and QEMU refuses the image" }
    warnings += area.oddities
    warnings += extensionWarnings(area)
    return warnings
  }

  /// The L1 entries `size` needs, or nil when the cluster size makes it meaningless.
  static func requiredL1Size(_ header: Header, clusterBits: UInt64) -> UInt64? {
    let entryBits: UInt64 = header[.incompatibleFeatures] & 0x10 != 0 ? 4 : 3
    guard clusterBits > entryBits else { return nil }
    let l2Bits = clusterBits - entryBits
    let shift = clusterBits + l2Bits
    guard shift < 64 else { return nil }
    let perEntry: UInt64 = 1 << shift
    return header[.size] / perEntry + (header[.size] % perEntry == 0 ? 0 : 1)
  }

  private static func extensionWarnings(_ area: HeaderArea) -> [String] {
    let header = area.header
    var warnings: [String] = []
    func warn(_ text: String) { warnings.append(text) }
    var seen: Set<UInt32> = []
    for ext in area.extensions {
      if !seen.insert(ext.magic).inserted {
        warn("header extension \(FieldFormat.hex.render(UInt64(ext.magic))) appears more than once")
      }
      switch ext.kind {
      case .backingFormat where ext.length >= 16:
        warn("backing format extension of \(ext.length) bytes: QEMU refuses 16 or more")
      case .bitmaps where Int(ext.length) != BitmapsExtension.dataSize:
        warn("Bitmaps extension of \(ext.length) bytes: QEMU refuses any length but 24")
      case .cryptoHeader where ext.length != 16:
        warn("crypto header extension of \(ext.length) bytes: QEMU refuses any length but 16")
      default: break
      }
    }
    let autoclear = header[.autoclearFeatures]
    let incompatible = header[.incompatibleFeatures]
    let hasBitmaps = seen.contains(ExtensionKind.bitmaps.rawValue)
    if autoclear & 0x1 != 0 && !hasBitmaps {
      warn("autoclear bit 0 (bitmaps) set without a Bitmaps extension: QEMU may mark the image corrupt")
    }
    if autoclear & 0x1 == 0 && hasBitmaps {
      warn("Bitmaps extension without autoclear bit 0: QEMU treats the bitmaps as inconsistent and drops them")
    }
    if let bitmaps = area.extensions.lazy.compactMap(\.bitmaps).first {
      if bitmaps.nbBitmaps == 0 { warn("Bitmaps extension with zero bitmaps: QEMU refuses the image") }
      if bitmaps.reserved32 != 0 { warn("Bitmaps extension reserved field is \(bitmaps.reserved32), not 0") }
      if !area.clusterSize.isAligned(bitmaps.directoryOffset) {
        warn("bitmap directory offset \(FieldFormat.hex.render(bitmaps.directoryOffset)) is not cluster-aligned")
      }
      if header.version < 3 { warn("bitmaps in a version 2 image: QEMU refuses them") }
    }
    if autoclear & 0x2 != 0 && incompatible & 0x4 == 0 {
      warn("autoclear bit 1 (raw external data) without incompatible bit 2: QEMU refuses the image")
    }
    let hasDataFile = seen.contains(ExtensionKind.dataFile.rawValue)
    if incompatible & 0x4 != 0 && !hasDataFile {
      warn("external data file bit set without a Data file extension: QEMU needs a 'data-file' option")
    }
    if incompatible & 0x4 == 0 && hasDataFile {
      warn("Data file extension without incompatible bit 2: QEMU refuses the image")
    }
    let hasCrypto = seen.contains(ExtensionKind.cryptoHeader.rawValue)
    if header[.cryptMethod] == 2 && !hasCrypto {
      warn("LUKS encryption without a crypto header extension: QEMU refuses the image")
    }
    if header[.cryptMethod] != 2 && hasCrypto {
      warn("crypto header extension without LUKS encryption: QEMU refuses the image")
    }
    return warnings
  }
}

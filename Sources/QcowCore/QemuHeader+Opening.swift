extension QemuHeader {
  /// QEMU's state once it has opened `area` (read from `file`) read-write, as `qemu-img
  /// rebase -u` and `qemu-img amend` do: unknown autoclear bits cleared, the feature table
  /// and known extensions parsed, unknown extensions and header fields kept. Fails with the
  /// reason qemu-img would not open the image, or where opening it would change more than
  /// the header (persistent bitmaps, a dirty image).
  public init(opening area: HeaderArea, file: any ImageSource) throws {
    let header = area.header
    func refuse(_ reason: String) -> QcowError { QcowError("qemu-img would not open the image: \(reason)") }
    guard header[.magic] == HeaderArea.magic else { throw refuse("not a qcow2 image (magic \(hex(header[.magic])))") }
    let version = header.version
    guard version == 2 || version == 3 else { throw refuse("version \(version) (QEMU opens versions 2 and 3)") }
    guard HeaderArea.clusterBitsRange.contains(area.clusterSize.bits), let size = area.clusterSize.bytes else {
      throw refuse("cluster_bits \(area.clusterSize.bits) is outside 9..21")
    }
    try area.checkReadable()
    let headerLength = header.headerLength
    if version == 3 && (headerLength < 104 || headerLength > size) {
      throw refuse("header_length \(headerLength) (it must be 104 to the cluster size)")
    }
    let incompatible = header[.incompatibleFeatures]
    if incompatible & ~FeatureGroup.incompatible.knownMask != 0 {
      throw refuse("unknown incompatible features \(FieldFormat.flags.render(incompatible & ~0x1f))")
    }
    if incompatible & 0x2 != 0 { throw refuse("the corrupt bit is set (read-only opens only)") }
    if incompatible & 0x1 != 0 {
      throw QcowError("the dirty bit is set: qemu-img would repair the refcounts as it opens the image")
    }
    if header[.cryptMethod] != 0 { throw QcowError("encrypted images are not supported here (they need their secret)") }
    var fields = header
    fields[.autoclearFeatures] &= FeatureGroup.autoclear.knownMask
    fields[.size] &= ~511
    self.init(fields: fields, clusterSize: Int(size))
    if header[.backingFileOffset] != 0 {
      let name = area.backingFileName ?? []
      guard name.count <= 1023, header[.backingFileOffset] + UInt64(name.count) <= size else {
        throw refuse("the backing file name is too long or runs past the first cluster")
      }
      backingFile = name
    }
    for ext in area.extensions {
      switch ext.kind {
      case .backingFormat:
        guard ext.length < 16 else { throw refuse("a backing format extension of \(ext.length) bytes") }
        backingFormat = ext.data
      case .dataFile: dataFile = ext.data
      case .cryptoHeader: cryptoHeader = ext.data
      case .featureTable: break
      case .bitmaps:
        throw QcowError("the image has persistent bitmaps: QEMU rewrites their directory when it opens the image")
      case nil: unknownExtensions.append(ext)
      }
    }
    if incompatible & 0x4 != 0 && dataFile == nil {
      throw refuse("it uses an external data file but does not name one")
    }
    if version == 3 && headerLength > UInt64(QemuHeader.version3StructSize) {
      let count = headerLength - UInt64(QemuHeader.version3StructSize)
      unknownHeaderFields = try file.readAvailable(
        at: UInt64(QemuHeader.version3StructSize), upTo: count, what: "the header")
      guard UInt64(unknownHeaderFields.count) == count else { throw refuse("the header runs past the end of the file") }
    }
  }

  /// Points the image at `file` with `format`, as `qemu-img rebase -u -b FILE -F FORMAT` does
  /// (`file` nil: `-b ""`, no backing file). Names are C strings to QEMU: cut at a NUL byte.
  public mutating func changeBackingFile(_ file: [UInt8]?, format: [UInt8]?) throws {
    let name = file.map { Array($0.prefix { $0 != 0 }) }
    if name != nil && fields[.incompatibleFeatures] & 0x4 != 0 && fields[.autoclearFeatures] & 0x2 != 0 {
      throw QcowError("a raw external data file cannot have a backing file: QEMU refuses (EINVAL)")
    }
    if let name, name.count > 1023 {
      throw QcowError("a backing file name of \(name.count) bytes: QEMU takes at most 1023 (EINVAL)")
    }
    backingFile = name
    backingFormat = name == nil ? nil : format.map { Array($0.prefix { $0 != 0 }) }
  }

  /// Names the external data file, as `qemu-img amend -o data_file=NAME` does.
  public mutating func changeDataFile(_ name: [UInt8]) throws {
    guard fields[.incompatibleFeatures] & 0x4 != 0 else {
      throw QcowError("data_file can only be set for images that use an external data file (incompatible bit 2)")
    }
    dataFile = Array(name.prefix { $0 != 0 })
  }
}

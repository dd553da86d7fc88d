/// The bytes of a new qcow2 image exactly as `qemu-img create` (QEMU 7.2) writes them: the
/// regions it writes, in order, and the file length. Zeros it writes are left as holes.
public struct ImageLayout: Sendable {
  /// QEMU's limit on the L1 table: 32 MiB.
  static let maximumL1Entries: UInt64 = (32 << 20) / 8
  /// The most L2 table bytes laid out in memory for `data_file_raw` (QEMU has no such limit:
  /// a 1 PiB image with 64 KiB clusters would need 128 GiB of them).
  static let maximumPreallocatedL2Bytes: UInt64 = 256 << 20

  /// The regions written, in order; a later region overrides an earlier one.
  public let regions: [(offset: UInt64, bytes: [UInt8])]
  /// The file's length.
  public let length: UInt64
  /// The virtual size, rounded up to 512 bytes.
  public let virtualSize: UInt64
  /// The length qemu-img gives an external data file: the virtual size, rounded up to the
  /// cluster (the subcluster, with extended L2) when data_file_raw maps every cluster.
  public let dataFileLength: UInt64

  /// Lays out an image of `size` bytes with `options` (validated first).
  public init(options: CreateOptions, size requested: UInt64) throws {
    try options.validate()
    let (rounded, overflow) = requested.addingReportingOverflow(511)
    guard !overflow, rounded & ~511 <= UInt64(Int64.max) else {
      throw QcowError("Invalid image size specified. Must be between 0 and 9223372036854775807.")
    }
    let size = rounded & ~511
    virtualSize = size
    let clusterBits = options.clusterSize.trailingZeroBitCount
    let cs = options.clusterSize
    let unit = options.dataFileRaw ? (options.extendedL2 ? cs / 32 : cs) : 512
    dataFileLength = (size + unit - 1) / unit * unit
    let l2Entries = cs / (options.extendedL2 ? 16 : 8)
    let perL1Entry = cs * l2Entries
    let l1Size = size / perL1Entry + (size % perL1Entry == 0 ? 0 : 1)
    guard l1Size <= ImageLayout.maximumL1Entries else {
      throw QcowError("The image size is too large for file format 'qcow2' (try using a larger cluster size)")
    }
    // At most 2^22 tables of at most 2 MiB: no overflow.
    if options.dataFileRaw && l1Size * cs > ImageLayout.maximumPreallocatedL2Bytes {
      throw QcowError(
        "data_file_raw would preallocate \(l1Size * cs) bytes of L2 tables, more than the "
          + "\(ImageLayout.maximumPreallocatedL2Bytes) qcow-batch lays out (use a smaller size or larger clusters)")
    }
    var allocator = RefcountAllocator(
      clusterBits: clusterBits, refcountOrder: options.refcountBits.trailingZeroBitCount)
    _ = try allocator.allocate(3 * cs)
    let l1Offset = l1Size == 0 ? 0 : try allocator.allocate(8 * l1Size)
    var l1 = [UInt64](repeating: 0, count: Int(l1Size))
    var l2Tables: [(UInt64, [UInt8])] = []
    if options.dataFileRaw {
      // preallocation=metadata: every guest cluster maps 1:1 into the raw data file.
      let clusters = size / cs + (size % cs == 0 ? 0 : 1)
      let entrySize = options.extendedL2 ? 16 : 8
      for index in 0..<l1Size {
        let l2Offset = try allocator.allocate(cs)
        l1[Int(index)] = l2Offset | 1 << 63
        var table = [UInt8](repeating: 0, count: Int(cs))
        let first = index * l2Entries
        for cluster in first..<min(first + l2Entries, clusters) {
          table.storeBigEndian(cluster * cs | 1 << 63, width: 8, at: Int(cluster - first) * entrySize)
        }
        l2Tables.append((l2Offset, table))
      }
    }
    var regions: [(UInt64, [UInt8])] = [
      (
        0,
        try ImageLayout.headerCluster(
          options, size: size, l1Size: l1Size,
          l1Offset: l1Offset, allocator: allocator)
      )
    ]
    regions += allocator.writes.map { ($0.offset, $0.bytes) }
    for (offset, values) in allocator.refblocks.sorted(by: { $0.key < $1.key }) {
      regions.append((offset, allocator.encodedBlock(values)))
    }
    if l1Size > 0 {
      var bytes: [UInt8] = []
      if options.dataFileRaw {
        bytes.reserveCapacity(Int(l1Size) * 8)
        for entry in l1 { bytes.appendBigEndian(entry, width: 8) }
        regions.append((l1Offset, bytes))
      } else {
        regions.append((l1Offset, []))
      }
    }
    regions += l2Tables
    self.regions = regions
    length = max(regions.map { $0.0 + UInt64($0.1.count) }.max() ?? 0, l1Offset + 8 * l1Size)
  }

  /// Cluster 0: the header, the extensions, the end marker and the backing file name.
  private static func headerCluster(
    _ options: CreateOptions, size: UInt64, l1Size: UInt64, l1Offset: UInt64, allocator: RefcountAllocator
  ) throws -> [UInt8] {
    let version = options.version
    var values: [HeaderField: UInt64] = [
      .magic: HeaderArea.magic, .version: version, .clusterBits: UInt64(options.clusterSize.trailingZeroBitCount),
      .size: size, .l1Size: l1Size, .l1TableOffset: l1Offset, .refcountTableOffset: allocator.tableOffset,
      .refcountTableClusters: allocator.tableClusters,
    ]
    if version == 3 {
      values[.incompatibleFeatures] =
        (options.dataFile != nil ? 0x4 : 0) | (options.compressionType == "zstd" ? 0x8 : 0)
        | (options.extendedL2 ? 0x10 : 0)
      values[.compatibleFeatures] = options.lazyRefcounts ? 1 : 0
      values[.autoclearFeatures] = options.dataFileRaw ? 0x2 : 0
      values[.refcountOrder] = UInt64(options.refcountBits.trailingZeroBitCount)
      values[.compressionType] = options.compressionType == "zstd" ? 1 : 0
    }
    var header = QemuHeader(fields: Header(values), clusterSize: Int(options.clusterSize))
    header.backingFile = options.backingFile.map { Array($0.utf8) }
    if options.backingFile != nil { header.backingFormat = options.backingFormat.map { Array($0.utf8) } }
    header.dataFile = options.dataFile.map { Array($0.utf8) }
    do {
      return try header.cluster()
    } catch {
      throw QcowError(
        "the header, extensions and backing file name do not fit in a \(options.clusterSize)-byte cluster")
    }
  }
}

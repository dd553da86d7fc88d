/// One L2 entry, with its subcluster bitmap when the image has extended L2 entries, classified
/// as QEMU 7.2 does (`qcow2_get_cluster_type`, `qcow2_get_subcluster_type`).
struct L2Entry: Equatable, Sendable {
  /// The kind of a whole cluster.
  enum ClusterType: Equatable {
    case unallocated, zeroPlain, zeroAllocated, normal, compressed
  }

  /// The kind of one subcluster (of the cluster, without extended L2 entries).
  enum SubclusterType: Equatable {
    case unallocatedPlain, unallocatedAllocated, zeroPlain, zeroAllocated, normal, compressed, invalid
  }

  static let copied: UInt64 = 1 << 63
  static let compressedFlag: UInt64 = 1 << 62
  static let zeroFlag: UInt64 = 1
  static let offsetMask: UInt64 = 0x00ff_ffff_ffff_fe00
  static let allAllocated: UInt64 = 0xffff_ffff
  static let allZeroes: UInt64 = 0xffff_ffff_0000_0000

  var entry: UInt64
  var bitmap: UInt64

  var offset: UInt64 { entry & L2Entry.offsetMask }

  func clusterType(extendedL2: Bool) -> ClusterType {
    if entry & L2Entry.compressedFlag != 0 { return .compressed }
    if entry & L2Entry.zeroFlag != 0 && !extendedL2 { return offset == 0 ? .zeroPlain : .zeroAllocated }
    return offset == 0 ? .unallocated : .normal
  }

  /// Whether the cluster has host space (normal or preallocated zero).
  func isAllocated(extendedL2: Bool) -> Bool {
    let type = clusterType(extendedL2: extendedL2)
    return type == .normal || type == .zeroAllocated || type == .compressed
  }

  func subclusterType(_ index: UInt64, extendedL2: Bool) -> SubclusterType {
    let type = clusterType(extendedL2: extendedL2)
    guard extendedL2 else {
      switch type {
      case .unallocated: return .unallocatedPlain
      case .zeroPlain: return .zeroPlain
      case .zeroAllocated: return .zeroAllocated
      case .normal: return .normal
      case .compressed: return .compressed
      }
    }
    let allocated = bitmap >> index & 1 != 0
    let zero = bitmap >> (32 + index) & 1 != 0
    switch type {
    case .compressed: return .compressed
    case .normal:
      if (bitmap >> 32) & bitmap != 0 { return .invalid }
      return zero ? .zeroAllocated : allocated ? .normal : .unallocatedAllocated
    default:
      if bitmap & L2Entry.allAllocated != 0 { return .invalid }
      return zero ? .zeroPlain : .unallocatedPlain
    }
  }

  /// Whether a write must allocate a new cluster (`cluster_needs_new_alloc`).
  func needsNewAllocation(extendedL2: Bool) -> Bool {
    switch clusterType(extendedL2: extendedL2) {
    case .normal, .zeroAllocated: return entry & L2Entry.copied == 0
    default: return true
    }
  }
}

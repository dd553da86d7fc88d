extension SetupCase {
  private static let k: UInt64 = 1 << 10
  private static let m: UInt64 = 1 << 20

  /// Image configurations: every cluster size class, refcount width, version, extended L2,
  /// lazy refcounts and compression type.
  static let configurations: [[(String, String)]] = [
    [],
    [("cluster_size", "512")],
    [("cluster_size", "4096")],
    [("cluster_size", "2097152")],
    [("compat", "0.10")],
    [("extended_l2", "on")],
    [("extended_l2", "on"), ("cluster_size", "16384")],
    [("lazy_refcounts", "on")],
    [("refcount_bits", "1")],
    [("refcount_bits", "64")],
    [("refcount_bits", "8"), ("cluster_size", "1024")],
    [("compression_type", "zstd")],
    [("cluster_size", "512"), ("refcount_bits", "64")],
  ]

  /// Unaligned writes: copies of the rest of each new cluster, from zeros or the backing file.
  static let unaligned: [SetupCaseStep] = [
    .write(1000, 3000, pattern: 0x11), .write(m, 512, pattern: nil), .write(70000, 200 * k, pattern: 0x33),
    .write(4 * m - 100, 200, pattern: 0x44),
  ]
  /// Zeros over data, over nothing, partial and whole clusters.
  static let zeroes: [SetupCaseStep] = [
    .write(0, 128 * k, pattern: 0x2a), .zeroes(0, 64 * k), .zeroes(100 * k, 10 * k), .zeroes(2 * m, m),
    .zeroes(5000, 3000),
  ]
  /// Discards of data, aligned and not, then a write into a discarded cluster.
  static let discards: [SetupCaseStep] = [
    .write(0, 256 * k, pattern: 0x2a), .discard(64 * k, 128 * k), .discard(1000, 70 * k),
    .write(70 * k, k, pattern: 0x55),
    .discard(2 * m, 2 * m),
  ]
  /// Snapshots between writes: COPIED flags, shared clusters copied on write, a name taken twice.
  static let snapshots: [SetupCaseStep] = [
    .write(0, 64 * k, pattern: 0x2a), .snapshot("s1"), .write(512, 512, pattern: 0x33), .snapshot("s2"),
    .write(m, 128 * k, pattern: nil), .snapshot("s1"), .discard(0, 64 * k),
  ]
  /// Every step kind in one sequence.
  static let mixed: [SetupCaseStep] = [
    .write(0, 64 * k, pattern: 0x2a), .zeroes(2 * m, 64 * k), .discard(0, 64 * k), .write(m, 512, pattern: nil),
    .snapshot("snap1"), .write(m + 100, 50, pattern: 0x66), .zeroes(m, 4 * k), .write(3 * m, 300 * k, pattern: 0x12),
  ]
  /// Enough clusters to need more refcount blocks (and, with small clusters, a moved refcount table).
  static let large: [SetupCaseStep] = [
    .write(0, 10 * m, pattern: 0x2a), .snapshot("big"), .write(0, m, pattern: 0x3b), .discard(5 * m, 3 * m),
  ]

  /// The sequences of the matrix, at least 60.
  static let matrix: [SetupCase] = {
    var cases: [SetupCase] = []
    for options in configurations {
      let singleReference = options.contains { $0 == ("refcount_bits", "1") }
      cases.append(SetupCase("unaligned writes", options, unaligned))
      cases.append(SetupCase("write-zeroes", options, zeroes))
      cases.append(SetupCase("discard", options, discards))
      // qemu-img refuses snapshots of refcount_bits=1 images with data (an error case).
      if !singleReference {
        cases.append(SetupCase("snapshots", options, snapshots))
        cases.append(SetupCase("every step", options, mixed))
      }
    }
    for options in [[], [("cluster_size", "512")], [("compat", "0.10")], [("extended_l2", "on")]] {
      for backing in [Backing.qcow2, .raw] {
        cases.append(SetupCase("unaligned writes", options, backing: backing, unaligned))
        cases.append(SetupCase("write-zeroes", options, backing: backing, zeroes))
        cases.append(SetupCase("discard", options, backing: backing, discards))
      }
    }
    for options in [
      [("cluster_size", "512")], [("cluster_size", "512"), ("refcount_bits", "64")], [("refcount_bits", "64")],
    ] {
      cases.append(SetupCase("second refcount block, moved refcount table", options, large))
    }
    for options in [
      [], [("compression_type", "zstd")], [("cluster_size", "512")], [("extended_l2", "on")], [("compat", "0.10")],
      [("refcount_bits", "1")],
    ] {
      let cs = options.first { $0.0 == "cluster_size" }.flatMap { UInt64($0.1) } ?? 65536
      cases.append(
        SetupCase(
          "compressed cluster, then written into and zeroed", options,
          [
            .compressed(0, cs, pattern: 0x2a), .compressed(4 * cs, cs, pattern: 0x2b), .write(100, 100, pattern: 0x3c),
            .zeroes(4 * cs, cs), .compressed(8 * cs, cs, pattern: 0x4d),
          ]))
      cases.append(
        SetupCase(
          "compressed clusters, several at once", options, exact: false, [.compressed(16 * cs, 8 * cs, pattern: 0x5e)]))
    }
    cases.append(
      SetupCase(
        "compressed over a backing file", [], backing: .qcow2,
        [.compressed(0, 64 * k, pattern: 1), .write(5, 5, pattern: 2)]))
    cases.append(
      SetupCase(
        "an image size that ends mid-cluster", [], size: 1_000_448,
        [.write(900_000, 100_448, pattern: 0x2a), .discard(983_040, 17_408), .zeroes(0, 1_000_448)]))
    return cases
  }()
}

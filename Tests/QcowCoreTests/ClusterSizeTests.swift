import QcowCore
import Testing

/// Cluster sizes for every cluster_bits a header can hold.
@Suite("ClusterSize")
struct ClusterSizeTests {
  @Test(
    "bytes, offset limit and description",
    arguments: [
      (UInt64(0), UInt64?(1), UInt64(1), "1 byte"), (9, 512, 512, "512 bytes"), (16, 65536, 65536, "65536 bytes"),
      (63, 1 << 63, 1 << 63, "9223372036854775808 bytes"), (64, nil, .max, "2^64 bytes"),
      (0xffff_ffff, nil, .max, "2^4294967295 bytes"),
    ])
  func sizes(_ bits: UInt64, _ bytes: UInt64?, _ limit: UInt64, _ description: String) {
    let size = ClusterSize(bits: bits)
    #expect(size.bytes == bytes)
    #expect(size.limit == limit)
    #expect(size.description == description)
  }

  @Test(
    "alignment: a multiple of 2^bits; past 64 bits only 0 is aligned",
    arguments: [
      (UInt64(16), UInt64(0x30000), true), (16, 0x30001, false), (0, 7, true), (63, 1 << 63, true),
      (63, 1 << 62, false), (64, 0, true), (64, 1 << 63, false), (255, 0x10000, false),
    ])
  func alignment(_ bits: UInt64, _ offset: UInt64, _ aligned: Bool) {
    #expect(ClusterSize(bits: bits).isAligned(offset) == aligned)
  }

  @Test(
    "decimal as Python prints 1 << cluster_bits",
    arguments: [
      (UInt64(12), "4096"), (64, "18446744073709551616"),
      (255, "57896044618658097711785492504343953926634992332820282019728792003956564819968"),
    ])
  func decimal(_ bits: UInt64, _ text: String) {
    #expect(ClusterSize(bits: bits).decimal == text)
  }

  @Test("decimal stops where Python's 4300-digit limit does: 2^14284 prints, 2^14285 does not")
  func decimalLimit() throws {
    let largest = try #require(ClusterSize(bits: 14284).decimal)
    #expect(largest.count == 4300)
    #expect(largest.hasPrefix("81744410132094422503") && largest.hasSuffix("47391660265823010816"))
    #expect(ClusterSize(bits: 14285).decimal == nil)
    #expect(ClusterSize(bits: 0xffff_ffff).decimal == nil)
  }
}

import QcowCore
import Testing

/// A message and its SHA-256 digest from FIPS 180-4's examples.
struct SHA256Vector: CustomStringConvertible, Sendable {
  let label: String
  let message: [UInt8]
  let digest: String

  var description: String { label }

  static let all: [SHA256Vector] = [
    SHA256Vector(
      label: "empty", message: [],
      digest: "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"),
    SHA256Vector(
      label: "abc", message: Array("abc".utf8),
      digest: "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"),
    SHA256Vector(
      label: "two blocks", message: Array("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq".utf8),
      digest: "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"),
    SHA256Vector(
      label: "a million a", message: [UInt8](repeating: 0x61, count: 1_000_000),
      digest: "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0"),
  ]
}

@Suite("SHA-256")
struct SHA256Tests {
  @Test("digests match the FIPS 180-4 examples", arguments: SHA256Vector.all)
  func digest(_ vector: SHA256Vector) {
    #expect(SHA256.hex(vector.message) == vector.digest)
  }

  @Test("feeding the message in pieces gives the same digest", arguments: [1, 3, 63, 64, 65, 1000])
  func incremental(_ piece: Int) {
    let message = [UInt8]((0..<5000).map { UInt8(truncatingIfNeeded: $0 &* 31) })
    var hash = SHA256()
    var start = 0
    while start < message.count {
      hash.update(Array(message[start..<min(start + piece, message.count)]))
      start += piece
    }
    #expect(
      hash.finalize()
        == {
          var whole = SHA256()
          whole.update(message)
          return whole.finalize()
        }())
  }
}

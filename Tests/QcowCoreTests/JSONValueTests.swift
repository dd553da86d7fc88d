import QcowCore
import Testing

/// `JSONValue.rendered()` against Python's `json.dumps(value, indent=4)`.
@Suite("JSONValue renders like Python's json.dumps(indent=4)")
struct JSONValueTests {
  @Test("rendering matches Python byte for byte", arguments: JSONVector.all)
  func renders(_ vector: JSONVector) {
    #expect(vector.value.rendered() == vector.expected)
  }

  @Test("a value nested in an array renders as at top level, indented one level", arguments: JSONVector.all)
  func nests(_ vector: JSONVector) {
    let inner = vector.expected.split(separator: "\n", omittingEmptySubsequences: false)
      .map { "    " + $0 }.joined(separator: "\n")
    #expect(JSONValue.array([vector.value]).rendered() == "[\n" + inner + "\n]")
  }
}

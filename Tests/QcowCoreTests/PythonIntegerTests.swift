import QcowCore
import Testing

/// `PythonInteger` against results recorded from Python's `int(text, 0)`.
@Suite("PythonInteger parses like Python's int(text, 0)")
struct PythonIntegerTests {
  @Test("parse result matches Python", arguments: IntegerVector.all)
  func parses(_ vector: IntegerVector) {
    let parsed = PythonInteger(vector.text)
    guard let expected = vector.expected else {
      #expect(parsed == nil, "Python raises ValueError")
      return
    }
    guard let parsed else {
      Issue.record("Python accepts it as \(expected.isNegative ? "-" : "")\(expected.decimalMagnitude)")
      return
    }
    #expect(parsed.isNegative == expected.isNegative)
    #expect(parsed.decimalMagnitude == expected.decimalMagnitude)
    #expect(parsed.value == expected.value)
    #expect(parsed.description == (expected.isNegative ? "-" : "") + expected.decimalMagnitude)
  }

  @Test("the table has the required size and both outcomes")
  func tableCoverage() {
    #expect(IntegerVector.all.count >= 40)
    #expect(IntegerVector.all.contains { $0.expected == nil })
    #expect(IntegerVector.all.contains { $0.expected?.isNegative == true })
    #expect(IntegerVector.all.contains { $0.expected != nil && $0.expected?.value == nil })
    #expect(Set(IntegerVector.all.map(\.text)).count == IntegerVector.all.count, "no duplicate inputs")
  }
}

/// "Did you mean" hints for misspelt names.
enum Suggestion {
  /// `; did you mean 'X'?` for the closest of `candidates` within two edits of `word`, else "".
  static func text(for word: String, among candidates: [String]) -> String {
    let scored = candidates.map { ($0, distance(Array(word), Array($0))) }
    guard let best = scored.min(by: { $0.1 < $1.1 }), best.1 <= 2 else { return "" }
    return "; did you mean '\(best.0)'?"
  }

  /// The Levenshtein distance between `a` and `b`.
  static func distance(_ a: [Character], _ b: [Character]) -> Int {
    guard !a.isEmpty else { return b.count }
    var previous = Array(0...b.count)
    for (i, ca) in a.enumerated() {
      var current = [i + 1]
      for (j, cb) in b.enumerated() {
        current.append(min(previous[j + 1] + 1, current[j] + 1, previous[j] + (ca == cb ? 0 : 1)))
      }
      previous = current
    }
    return previous[b.count]
  }
}

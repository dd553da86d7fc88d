/// One completed system call in an `strace -f -y` log.
struct StraceCall {
  let pid: String
  let name: String
  /// The paths `-y` shows for the descriptor arguments, in order.
  let descriptorPaths: [String]
  /// The quoted strings among the arguments, as strace escapes them.
  let strings: [String]
  /// The path `-y` shows for a returned descriptor.
  let resultPath: String?
  /// The whole line, without the pid.
  let text: String
  /// The text between the call's parentheses.
  let argumentText: String
  /// The text after ` = `: the return value, with `-y`'s path or the errno.
  let resultText: String

  /// Parses one log line; nil for lines that are not a completed call (exits, signals).
  init?(_ line: String) {
    let trimmed = line.drop { $0 == " " }
    let pid = trimmed.prefix { $0.isNumber }
    let rest = trimmed.dropFirst(pid.count).drop { $0 == " " }
    let name = rest.prefix { $0.isLetter || $0.isNumber || $0 == "_" }
    guard !name.isEmpty, rest.dropFirst(name.count).first == "(",
      let end = rest.range(of: ") = ", options: .backwards)
    else { return nil }
    self.pid = String(pid)
    self.name = String(name)
    text = String(rest)
    let arguments = rest[rest.index(rest.startIndex, offsetBy: name.count + 1)..<end.lowerBound]
    argumentText = String(arguments)
    resultText = String(rest[end.upperBound...])
    var paths: [String] = []
    var strings: [String] = []
    var iterator = arguments.makeIterator()
    while let character = iterator.next() {
      if character == "\"" {
        var string = ""
        while let next = iterator.next(), next != "\"" {
          string.append(next)
          if next == "\\", let escaped = iterator.next() { string.append(escaped) }
        }
        strings.append(string)
      } else if character == "<" {
        var path = ""
        while let next = iterator.next(), next != ">" { path.append(next) }
        paths.append(path)
      }
    }
    descriptorPaths = paths
    self.strings = strings
    let result = rest[end.upperBound...]
    if let open = result.firstIndex(of: "<"), let close = result.lastIndex(of: ">"), open < close {
      resultPath = String(result[result.index(after: open)..<close])
    } else {
      resultPath = nil
    }
  }

  /// Whether this is an open that may create or write: O_CREAT, O_WRONLY, O_RDWR or O_TRUNC.
  var opensForWriting: Bool {
    if name == "creat" { return true }
    return ["open", "openat", "openat2"].contains(name)
      && ["O_CREAT", "O_WRONLY", "O_RDWR", "O_TRUNC"].contains { text.contains($0) }
  }
}

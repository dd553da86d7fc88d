/// A completed system call from an `strace -f -y -xx` log, its arguments and result decoded.
struct FileSystemCall {
  let name: String
  let arguments: [StraceArgument]
  /// The return value; nil when the call failed (-1 with an errno) or strace could not tell.
  let result: Int64?
  /// The path `-y` shows for a returned descriptor.
  let resultPath: String?
  /// The log line, without the pid, for messages.
  let text: String

  /// Decodes `call`, logged with `-y -xx`.
  init(_ call: StraceCall) {
    name = call.name
    arguments = StraceArgument.list(call.argumentText)
    let value = call.resultText.prefix { $0 != " " && $0 != "<" }
    result = Int64(value).flatMap { $0 < 0 ? nil : $0 }
    resultPath = call.resultPath.map { String(decoding: StraceArgument.decode($0[...]), as: UTF8.self) }
    text = call.text
  }

  /// The string argument at `index`, as text.
  func string(_ index: Int) throws -> String {
    guard case .bytes(let bytes, truncated: false)? = argument(index) else { throw malformed("a string", index) }
    return String(decoding: bytes, as: UTF8.self)
  }

  /// The bytes of the buffer argument at `index`, of which the call used the first `count`.
  func buffer(_ index: Int, count: Int64) throws -> [UInt8] {
    guard case .bytes(let bytes, _)? = argument(index), Int64(bytes.count) >= count else {
      throw malformed("a buffer of \(count) bytes (trace with a larger -s)", index)
    }
    return Array(bytes.prefix(Int(count)))
  }

  /// The descriptor argument at `index`: its number (or `AT_FDCWD`) and path.
  func descriptor(_ index: Int) throws -> (number: String, path: String) {
    guard case .descriptor(let number, let path)? = argument(index) else { throw malformed("a descriptor", index) }
    return (number, path)
  }

  /// The non-negative integer argument at `index`, plain or behind a pointer.
  func integer(_ index: Int) throws -> Int64 {
    switch argument(index) {
    case .word(let text)?, .pointer(let text)?:
      if let value = Int64(text), value >= 0 { return value }
    default: break
    }
    throw malformed("a non-negative integer", index)
  }

  /// The flags or constant argument at `index`, as strace names it.
  func word(_ index: Int) throws -> String {
    guard case .word(let text)? = argument(index) else { throw malformed("flags", index) }
    return text
  }

  /// The call as a reader wants it: strings as text (cut after 40 bytes), paths under `root`
  /// written `~/...`, and the result.
  func rendered(root: String) -> String {
    let shorten = { (path: String) in TreePath.relative(path, to: root).map { "~/" + $0 } ?? path }
    let shown = arguments.map { argument in
      switch argument {
      case .bytes(let bytes, let truncated):
        let text = String(decoding: bytes, as: UTF8.self)
        if text.hasPrefix("/") { return "\"" + shorten(text) + "\"" }
        let escaped = bytes.prefix(40).map { byte in
          switch byte {
          case 10: "\\n"
          case 9: "\\t"
          case 32..<127 where byte != 34 && byte != 92: String(UnicodeScalar(byte))
          default: "\\x" + String(byte, radix: 16)
          }
        }.joined()
        return "\"" + escaped + "\"" + (bytes.count > 40 || truncated ? "..." : "")
      case .descriptor(let number, let path): return number + "<" + shorten(path) + ">"
      case .pointer(let value): return "[" + value + "]"
      case .word(let text): return text
      }
    }
    return name + "(" + shown.joined(separator: ", ") + ") = " + (result.map(String.init) ?? "-1")
  }

  /// The argument at `index`, if there is one.
  private func argument(_ index: Int) -> StraceArgument? {
    arguments.indices.contains(index) ? arguments[index] : nil
  }

  /// The error for an argument at `index` that is not `what` it should be.
  private func malformed(_ what: String, _ index: Int) -> ApplyTestError {
    ApplyTestError(description: "argument \(index + 1) of '\(text.prefix(200))' is not \(what)")
  }
}

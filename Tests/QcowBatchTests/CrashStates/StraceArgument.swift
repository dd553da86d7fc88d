/// One argument of a system call as `strace -y -xx` prints it, decoded.
enum StraceArgument: Equatable {
  /// A quoted string's bytes; `truncated` when strace cut it short (`"..."...`).
  case bytes([UInt8], truncated: Bool)
  /// A descriptor with the path `-y` shows for it: `5</dir/file>`, or `AT_FDCWD</cwd>`.
  case descriptor(String, path: String)
  /// The value behind a pointer, as the call received it: `[0]`, or the `0` of `[0 => 4096]`.
  case pointer(String)
  /// Anything else: a number, flags, a constant, a structure.
  case word(String)

  /// The arguments in `text`, the part of a log line between the call's parentheses.
  static func list(_ text: String) -> [StraceArgument] {
    split(text).map(parse)
  }

  /// The bytes an strace string stands for: `\xHH` (all `-xx` prints), the C escapes and octal
  /// escapes of strace's default output, and plain characters.
  static func decode(_ escaped: Substring) -> [UInt8] {
    var bytes: [UInt8] = []
    var characters = Array(escaped.utf8)[...]
    while let first = characters.popFirst() {
      guard first == UInt8(ascii: "\\"), let kind = characters.popFirst() else {
        bytes.append(first)
        continue
      }
      switch kind {
      case UInt8(ascii: "x"):
        let digits = characters.prefix(2)
        characters = characters.dropFirst(digits.count)
        bytes.append(UInt8(String(decoding: digits, as: UTF8.self), radix: 16) ?? 0)
      case UInt8(ascii: "0")...UInt8(ascii: "7"):
        var value = Int(kind - UInt8(ascii: "0"))
        while value < 0o40, let next = characters.first, (UInt8(ascii: "0")...UInt8(ascii: "7")).contains(next) {
          value = value * 8 + Int(next - UInt8(ascii: "0"))
          characters = characters.dropFirst()
        }
        bytes.append(UInt8(truncatingIfNeeded: value))
      default:
        bytes.append(escapes[kind] ?? kind)
      }
    }
    return bytes
  }

  /// The C escapes strace uses, by the letter after the backslash.
  private static let escapes: [UInt8: UInt8] = [
    UInt8(ascii: "n"): 10, UInt8(ascii: "t"): 9, UInt8(ascii: "r"): 13, UInt8(ascii: "v"): 11, UInt8(ascii: "f"): 12,
  ]

  /// `text` cut at the commas outside quotes, brackets, braces and parentheses. (`-y`'s paths need
  /// no care: `-xx` prints their commas in hex.)
  private static func split(_ text: String) -> [Substring] {
    var parts: [Substring] = []
    var depth = 0
    var quoted = false
    var escaped = false
    var start = text.startIndex
    for index in text.indices {
      let character = text[index]
      if quoted {
        if escaped {
          escaped = false
        } else if character == "\\" {
          escaped = true
        } else if character == "\"" {
          quoted = false
        }
        continue
      }
      switch character {
      case "\"": quoted = true
      case "[", "{", "(": depth += 1
      case "]", "}", ")": depth -= 1
      case "," where depth == 0:
        parts.append(text[start..<index])
        start = text.index(after: index)
      default: break
      }
    }
    let last = text[start...]
    if !last.allSatisfy(\.isWhitespace) || !parts.isEmpty { parts.append(last) }
    return parts.map { $0.drop { $0 == " " } }
  }

  /// One argument's text, classified.
  private static func parse(_ text: Substring) -> StraceArgument {
    if text.first == "\"", let close = text.dropFirst().lastIndex(of: "\"") {
      let inner = text[text.index(after: text.startIndex)..<close]
      return .bytes(decode(inner), truncated: text[close...].hasSuffix("..."))
    }
    if text.first == "[", text.last == "]" {
      let inner = text.dropFirst().dropLast()
      return .pointer(String(inner.prefix { $0 != " " }))
    }
    if let open = text.firstIndex(of: "<"), text.last == ">", open > text.startIndex {
      let path = decode(text[text.index(after: open)..<text.index(before: text.endIndex)])
      return .descriptor(String(text[..<open]), path: String(decoding: path, as: UTF8.self))
    }
    return .word(String(text))
  }
}

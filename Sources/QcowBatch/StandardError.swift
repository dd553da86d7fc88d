import SystemPackage

/// Writes `line` and a newline to standard error.
func printError(_ line: String) {
  _ = try? FileDescriptor.standardError.writeAll(Array((line + "\n").utf8))
}

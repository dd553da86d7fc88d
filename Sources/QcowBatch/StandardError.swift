import QcowCore

/// Writes `line` and a newline to standard error.
func printError(_ line: String) {
  try? FileDescriptor.standardError.writeAll(Array((line + "\n").utf8))
}

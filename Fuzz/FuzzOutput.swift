import Glibc

// What both fuzz targets do with their output: count it (so the optimizer keeps the work) and
// print it when asked.

/// Output lengths are summed here so the optimizer keeps every dump and report.
nonisolated(unsafe) var outputSink = 0

/// Whether to print what each input produced (`QCOW_FUZZ_VERBOSE=1`), for looking at seeds and findings.
let verbose = getenv("QCOW_FUZZ_VERBOSE").map { String(cString: $0) == "1" } ?? false

/// Counts `text` into the sink, and prints it when verbose.
func emit(_ text: String) {
  outputSink &+= text.utf8.count
  if verbose { print(text) }
}

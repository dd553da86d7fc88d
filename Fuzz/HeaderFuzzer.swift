import Glibc
import QcowCore

// libFuzzer target over the qcow2 header parser. Each input is an image file: it is parsed
// with `HeaderArea(reading:)`, dumped the ways qcow-batch prints it, edited in memory and
// encoded. Nothing is ever written to the image; thrown `QcowError`s are expected results,
// while traps and AddressSanitizer reports are findings. Built and run by `scripts/fuzz`.

/// A private scratch file, unlinked at once and reopened through `/proc/self/fd`, that holds
/// the current input. It is rewritten in place for every input and vanishes at exit.
struct ScratchFile: Sendable {
  /// The open descriptor of the unlinked file.
  let descriptor: Int32
  /// A path that opens the file anew.
  let path: String

  /// Creates the file under `$TMPDIR` (else /tmp); exits when that fails.
  init() {
    let directory = getenv("TMPDIR").map { String(cString: $0) } ?? "/tmp"
    var template = Array((directory + "/qcow-fuzz-header-XXXXXX").utf8CString)
    let descriptor = template.withUnsafeMutableBufferPointer { buffer in
      buffer.baseAddress.map { mkstemp($0) } ?? -1
    }
    guard descriptor >= 0 else {
      perror("HeaderFuzzer: cannot create a scratch file in \(directory)")
      exit(2)
    }
    template.withUnsafeBufferPointer { buffer in
      if let base = buffer.baseAddress { _ = unlink(base) }
    }
    self.descriptor = descriptor
    path = "/proc/self/fd/\(descriptor)"
  }

  /// Makes the file hold exactly `bytes`; exits when it cannot.
  func replace(with bytes: UnsafeRawBufferPointer) {
    var done = 0
    var ok = ftruncate(descriptor, 0) == 0
    while ok, done < bytes.count, let base = bytes.baseAddress {
      let written = pwrite(descriptor, base + done, bytes.count - done, off_t(done))
      if written < 0 && errno == EINTR { continue }
      ok = written > 0
      done += max(0, written)
    }
    guard ok else {
      perror("HeaderFuzzer: cannot write the scratch file")
      exit(2)
    }
  }
}

/// The scratch file, created on the first input.
let scratch = ScratchFile()

@_cdecl("LLVMFuzzerTestOneInput")
public func headerFuzzerTestOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
  let bytes = UnsafeRawBufferPointer(start: data, count: data == nil ? 0 : size)
  scratch.replace(with: bytes)
  // The last 9 bytes steer the edits, so that the fuzzer can reach every field and value.
  let control = Array(bytes.suffix(9))
  do {
    try ImageFile.withFile(scratch.path) { file in
      let area = try HeaderArea(reading: file)
      exercise(area, file: file, control: control)
    }
  } catch {
    emit("error: \(error)")
  }
  return 0
}

/// Runs everything qcow-batch does with a header area that parsed.
func exercise(_ area: HeaderArea, file: ImageFile, control: [UInt8]) {
  let dump = Qcow2PyDump(area: area, file: file)
  for json in [false, true] {
    emit(attempt { try dump.header(json: json) })
    emit(attempt { try dump.extensions(json: json) })
  }
  if let report = try? ImageReport(area: area, file: file) {
    emit(report.text())
    emit(report.json().rendered())
  }
  outputSink &+= (try? area.encoded(over: file))?.byteCount ?? 0
  for group in FeatureGroup.allCases {
    outputSink &+= area.featureName(group, bit: Int(control.first ?? 0) % 64)?.utf8.count ?? 0
  }
  for edits in editSequences(area, control: control) {
    var edited = area
    for edit in edits {
      outputSink &+= (try? edited.apply(edit)) ?? 0
    }
    let result = attempt { "\(try edited.encoded(over: file).byteCount) bytes encoded" }
    outputSink &+= result.utf8.count
    if verbose { print("\(edits): \(result)") }
    outputSink &+= Int(truncatingIfNeeded: edited.usedBytes())
  }
}

/// What `body` returns, or its error as text.
func attempt(_ body: () throws -> String) -> String {
  do {
    return try body()
  } catch {
    return "error: \(error)"
  }
}

/// The edit sequences tried on every image: fixed ones and ones chosen by `control`.
func editSequences(_ area: HeaderArea, control: [UInt8]) -> [[HeaderEdit]] {
  let selector = Int(control.first ?? 0)
  let raw = control.dropFirst().reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
  let field = HeaderField.all[selector % HeaderField.all.count]
  let group = FeatureGroup.allCases[selector % FeatureGroup.allCases.count]
  let bit = Int(raw % 64)
  let payload = Array("qcow-batch fuzz payload".utf8) + control
  var sequences: [[HeaderEdit]] = [
    [.addExtension(magic: 0x1234_5678, data: payload)],
    [.setFeatureBit(.incompatible, 1), .clearFeatureBit(.autoclear, 0), .setFeatureBit(group, bit)],
    [.setField(field, raw & field.maximum)],
    [.setField(field, raw)],
    [.setField(.l1Size, 4), .addExtension(magic: UInt32(truncatingIfNeeded: raw) | 1, data: control)],
    [
      .setField(.headerLength, UInt64(selector) * 8), .addExtension(magic: 0x0bad_cafe, data: []),
      .clearFeatureBit(group, bit),
    ],
  ]
  if let first = area.extensions.first {
    sequences.append([.deleteExtensions(magic: first.magic), .addExtension(magic: first.magic, data: first.data)])
  }
  return sequences
}

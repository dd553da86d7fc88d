import CZlib
import CZstd

/// QEMU 7.2's cluster compression (block/qcow2-threads.c): raw deflate with a 4 KiB window at
/// the default level, or one zstd frame at zstd's default level.
enum ClusterCompression {
  /// `cluster` compressed with `type` (0 deflate, 1 zstd), or nil when the result would not
  /// fit in `limit` bytes (QEMU then writes the cluster uncompressed).
  static func compress(_ cluster: [UInt8], limit: Int, type: UInt64) throws -> [UInt8]? {
    var output = [UInt8](repeating: 0, count: limit)
    let produced: Int?
    if type == 1 {
      produced = try zstdCompress(cluster, into: &output)
    } else {
      produced = try deflateCompress(cluster, into: &output)
    }
    return produced.map { Array(output.prefix($0)) }
  }

  /// `count` bytes decompressed from `data` (which may run on past the compressed stream).
  static func decompress(_ data: [UInt8], count: Int, type: UInt64) throws -> [UInt8] {
    var output = [UInt8](repeating: 0, count: count)
    let complete = type == 1 ? zstdDecompress(data, into: &output) : inflateDecompress(data, into: &output)
    guard complete else { throw QcowError("a compressed cluster does not decompress (Input/output error)") }
    return output
  }

  private static func deflateCompress(_ input: [UInt8], into output: inout [UInt8]) throws -> Int? {
    var stream = z_stream()
    let size = Int32(MemoryLayout<z_stream>.size)
    guard
      deflateInit2_(&stream, Z_DEFAULT_COMPRESSION, Z_DEFLATED, -12, 9, Z_DEFAULT_STRATEGY, zlibVersion(), size) == Z_OK
    else { throw QcowError("zlib: deflateInit2 failed") }
    defer { deflateEnd(&stream) }
    let capacity = output.count
    let result = run(&stream, input, &output) { deflate(&$0, Z_FINISH) }
    if result == Z_STREAM_END { return capacity - Int(stream.avail_out) }
    if result == Z_OK { return nil }
    throw QcowError("zlib: deflate failed (\(result))")
  }

  private static func inflateDecompress(_ input: [UInt8], into output: inout [UInt8]) -> Bool {
    var stream = z_stream()
    guard inflateInit2_(&stream, -12, zlibVersion(), Int32(MemoryLayout<z_stream>.size)) == Z_OK else { return false }
    defer { inflateEnd(&stream) }
    let result = run(&stream, input, &output) { inflate(&$0, Z_FINISH) }
    return (result == Z_STREAM_END || result == Z_BUF_ERROR) && stream.avail_out == 0
  }

  /// Points `stream` at `input` and `output` and runs `step` (`deflate` or `inflate`) once.
  private static func run(
    _ stream: inout z_stream, _ input: [UInt8], _ output: inout [UInt8], _ step: (inout z_stream) -> Int32
  ) -> Int32 {
    var input = input
    return input.withUnsafeMutableBufferPointer { source in
      output.withUnsafeMutableBufferPointer { target in
        stream.next_in = source.baseAddress
        stream.avail_in = UInt32(source.count)
        stream.next_out = target.baseAddress
        stream.avail_out = UInt32(target.count)
        return step(&stream)
      }
    }
  }

  private static func zstdCompress(_ input: [UInt8], into output: inout [UInt8]) throws -> Int? {
    guard let context = ZSTD_createCCtx() else { throw QcowError("zstd: no compression context") }
    defer { ZSTD_freeCCtx(context) }
    let result: (Int, Int, Int) = input.withUnsafeBufferPointer { source in
      output.withUnsafeMutableBufferPointer { target in
        var out = ZSTD_outBuffer(dst: target.baseAddress, size: target.count, pos: 0)
        var inBuffer = ZSTD_inBuffer(src: source.baseAddress, size: source.count, pos: 0)
        let left = ZSTD_compressStream2(context, &out, &inBuffer, ZSTD_e_end)
        return (left, out.pos, out.size)
      }
    }
    let (left, position, size) = result
    if left == 0 { return position }
    // As in QEMU, an error code (a huge count) counts as not fitting.
    if left > size - position { return nil }
    throw QcowError("zstd: compression failed")
  }

  private static func zstdDecompress(_ input: [UInt8], into output: inout [UInt8]) -> Bool {
    guard let context = ZSTD_createDCtx() else { return false }
    defer { ZSTD_freeDCtx(context) }
    return input.withUnsafeBufferPointer { source in
      output.withUnsafeMutableBufferPointer { target in
        var out = ZSTD_outBuffer(dst: target.baseAddress, size: target.count, pos: 0)
        var inBuffer = ZSTD_inBuffer(src: source.baseAddress, size: source.count, pos: 0)
        var left = 0
        while out.pos < out.size {
          let lastIn = inBuffer.pos
          let lastOut = out.pos
          left = ZSTD_decompressStream(context, &out, &inBuffer)
          if ZSTD_isError(left) != 0 { return false }
          if lastIn >= inBuffer.pos && lastOut >= out.pos { return false }
        }
        return left == 0
      }
    }
  }
}

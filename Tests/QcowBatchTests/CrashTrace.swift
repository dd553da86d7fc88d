import Foundation

/// Running apply under strace.
enum CrashTrace {
  static let strace = "/usr/bin/strace"
  /// Whether strace is installed and may trace here (ptrace can be forbidden in containers).
  static let available: Bool = {
    guard FileManager.default.isExecutableFile(atPath: strace) else {
      print("strace is not installed (scripts/install-deps installs it); the crash tests are skipped")
      return false
    }
    let probe = try? TestSupport.run(URL(fileURLWithPath: strace), ["-f", "-o", "/dev/null", "/bin/true"])
    guard let probe, probe.status == 0 else {
      let reason = probe.map { $0.err.trimmingCharacters(in: .whitespacesAndNewlines) } ?? "cannot run it"
      print("strace cannot trace here (\(reason)); the crash tests are skipped")
      return false
    }
    return true
  }()

  /// The write-class system calls (a `?` keeps strace quiet about those this machine lacks).
  static let writeClass = [
    "open", "openat", "openat2", "creat", "write", "pwrite64", "writev", "pwritev", "pwritev2", "copy_file_range",
    "fsync", "fdatasync", "syncfs", "sync_file_range", "rename", "renameat", "renameat2", "link", "linkat",
    "unlink", "unlinkat", "ftruncate", "truncate", "fallocate",
  ]

  /// Runs `apply MANIFEST` under `strace -f -y` tracing `syscalls`; returns the calls it logged.
  /// The apply must succeed and be one process.
  static func tracedApply(
    _ manifest: String, logs: URL, syscalls: [String], environment: [String] = []
  ) throws -> [StraceCall] {
    let log = logs.appendingPathComponent("strace.log").path
    let result = try TestSupport.run(
      URL(fileURLWithPath: strace),
      ["-f", "-y", "-s", "65536", "-o", log, "-e", "trace=" + syscalls.map { "?" + $0 }.joined(separator: ",")]
        + environment.flatMap { ["-E", $0] } + [TestSupport.binary.path, "apply", manifest])
    guard result.status == 0, !result.crashed else {
      throw ApplyTestError(description: "the traced apply failed (exit \(result.status)): \(result.err)")
    }
    let text = try String(contentsOfFile: log, encoding: .utf8)
    let calls = text.split(separator: "\n").compactMap { StraceCall(String($0)) }
    // strace numbers calls per thread for when=N: with one thread, the log's numbering is strace's.
    guard Set(calls.map(\.pid)).count == 1 else {
      throw ApplyTestError(description: "apply ran more than one thread or process; strace's counts would differ")
    }
    return calls
  }

  /// Every write-class call of a clean traced apply of the scenario, in order, per strategy.
  static let censuses: [SyncStrategy: Result<[CrashPoint], ApplyTestError>] = Dictionary(
    uniqueKeysWithValues: SyncStrategy.allCases.map { ($0, census($0)) })

  /// Every write-class call of a clean traced apply of the scenario under `strategy`, in order.
  static func census(_ strategy: SyncStrategy) -> Result<[CrashPoint], ApplyTestError> {
    do {
      let scratch = try ApplyScratch("crash-census")
      defer { scratch.remove() }
      let manifest = try CrashScenario.prepare(scratch)
      let calls = try tracedApply(
        manifest, logs: scratch.logs, syscalls: writeClass, environment: [strategy.environment])
      let removals = ["unlink", "unlinkat"]
      let renames = ["rename", "renameat", "renameat2"]
      let isCommit = { (call: StraceCall) in
        ["write", "pwrite64"].contains(call.name)
          && call.descriptorPaths.first?.hasSuffix(".qcow-batch-journal") == true
          && call.strings.first?.contains("\\ncommit\\t") == true
      }
      guard let commit = calls.firstIndex(where: isCommit),
        let rename = calls.firstIndex(where: { renames.contains($0.name) }),
        let removal = calls.firstIndex(where: { removals.contains($0.name) })
      else { return .failure(ApplyTestError(description: "the traced apply lacks a commit, rename or removal")) }
      var counts: [String: Int] = [:]
      var points: [CrashPoint] = []
      for (position, call) in calls.enumerated() {
        counts[call.name, default: 0] += 1
        if call.name.hasPrefix("open") || call.name == "creat" {
          guard call.opensForWriting else { continue }
        }
        // Paths read relative to the scratch directory, as `~/NAME`.
        let text = call.text.replacingOccurrences(of: scratch.root.path, with: "~")
        let shortened = text.count > 110 ? text.prefix(107) + "..." : text
        points.append(
          CrashPoint(
            strategy: strategy, syscall: call.name, occurrence: counts[call.name] ?? 0, call: String(shortened),
            phase: position < removal ? .transaction : .cleanup,
            afterKill: position <= commit ? .old : position >= rename ? .new : nil))
      }
      return .success(points)
    } catch {
      return .failure(ApplyTestError(description: "\(error)"))
    }
  }

  /// The injection points of both strategies; none when strace is unusable (the tests are then disabled).
  static func points() throws -> [CrashPoint] {
    guard available else { return [] }
    return try SyncStrategy.allCases.flatMap { try censuses[$0]?.get() ?? [] }
  }

  /// Runs `apply MANIFEST` with `action` (`signal=KILL`, `error=EIO`) injected at `point`.
  static func inject(_ action: String, at point: CrashPoint, _ manifest: String) throws -> ProcessResult {
    try inject(
      action, into: point.syscall, occurrence: point.occurrence, manifest, environment: [point.strategy.environment])
  }

  /// Runs `apply MANIFEST` with `action` injected at occurrence `occurrence` of `syscall`.
  static func inject(
    _ action: String, into syscall: String, occurrence: Int, _ manifest: String, environment: [String] = []
  ) throws -> ProcessResult {
    try TestSupport.run(
      URL(fileURLWithPath: strace),
      ["-f", "-o", "/dev/null"] + environment.flatMap { ["-E", $0] } + [
        "-e", "trace=\(syscall)", "-e", "inject=\(syscall):\(action):when=\(occurrence)", TestSupport.binary.path,
        "apply", manifest,
      ])
  }
}

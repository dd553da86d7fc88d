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
  /// The apply must exit with `status` (succeed, by default) and be one process.
  static func tracedApply(
    _ manifest: String, logs: URL, syscalls: [String], environment: [String] = [], status: Int32 = 0
  ) throws -> [StraceCall] {
    try traced(["apply", manifest], logs: logs, syscalls: syscalls, environment: environment, status: status)
  }

  /// Runs `qcow-batch ARGUMENTS` under `strace -f -y` with strace's `options`, tracing `syscalls`;
  /// returns the calls it logged. It must exit with `status` and be one process.
  static func traced(
    _ arguments: [String], logs: URL, syscalls: [String], environment: [String] = [], status: Int32 = 0,
    options: [String] = ["-s", "65536"]
  ) throws -> [StraceCall] {
    let (result, calls) = try trace(
      arguments, logs: logs, syscalls: syscalls, environment: environment, options: options)
    guard result.status == status, !result.crashed else {
      throw ApplyTestError(
        description: "the traced \(arguments.first ?? "run") failed (exit \(result.status)): \(result.err)")
    }
    return calls
  }

  /// Runs `qcow-batch ARGUMENTS` under `strace -f -y` with strace's `options`, tracing `syscalls`;
  /// returns how it ended and the calls it logged, which must be those of one process.
  static func trace(
    _ arguments: [String], logs: URL, syscalls: [String], environment: [String] = [], options: [String]
  ) throws -> (result: ProcessResult, calls: [StraceCall]) {
    let log = logs.appendingPathComponent("strace.log").path
    let result = try TestSupport.run(
      URL(fileURLWithPath: strace),
      ["-f", "-y"] + options + ["-o", log, "-e", "trace=" + syscalls.map { "?" + $0 }.joined(separator: ",")]
        + environment.flatMap { ["-E", $0] } + [TestSupport.binary.path] + arguments)
    let text = try String(contentsOfFile: log, encoding: .utf8)
    let calls = text.split(separator: "\n").compactMap { StraceCall(String($0)) }
    // strace numbers calls per thread for when=N: with one thread, the log's numbering is strace's.
    guard Set(calls.map(\.pid)).count == 1 else {
      throw ApplyTestError(description: "qcow-batch ran more than one thread or process; strace's counts would differ")
    }
    return (result, calls)
  }

  /// Every write-class call of each traced apply of the scenario, in order, per run and strategy.
  static let censuses: [CrashRun: [SyncStrategy: Result<[CrashPoint], ApplyTestError>]] = Dictionary(
    uniqueKeysWithValues: CrashRun.allCases.map { run in
      (run, Dictionary(uniqueKeysWithValues: SyncStrategy.allCases.map { ($0, traceCensus(run, $0)) }))
    })

  /// Every write-class call of the traced `run` of the scenario under `strategy`, in order.
  static func traceCensus(_ run: CrashRun, _ strategy: SyncStrategy) -> Result<[CrashPoint], ApplyTestError> {
    do {
      let scratch = try ApplyScratch("crash-census")
      defer { scratch.remove() }
      let manifest = try CrashScenario.prepare(scratch)
      let calls = try tracedApply(
        manifest, logs: scratch.logs, syscalls: writeClass, environment: [strategy.environment] + run.environment,
        status: run.status)
      let removals = ["unlink", "unlinkat"]
      let renames = ["rename", "renameat", "renameat2"]
      let isRecord = { (record: String) in
        { (call: StraceCall) in
          ["write", "pwrite64"].contains(call.name)
            && call.descriptorPaths.first?.hasSuffix(".qcow-batch-journal") == true
            && call.strings.first.map { $0.hasPrefix("\(record)\\t") || $0.contains("\\n\(record)\\t") } == true
        }
      }
      guard let commit = calls.firstIndex(where: isRecord("commit")),
        let rename = calls.firstIndex(where: { renames.contains($0.name) }),
        let removal = calls.firstIndex(where: { removals.contains($0.name) })
      else { return .failure(ApplyTestError(description: "the traced apply lacks a commit, rename or removal")) }
      // On the abort path the old versions win again once the abort record is written.
      let abort = calls.firstIndex(where: isRecord("abort"))
      guard (run == .failedRename) == (abort != nil) else {
        return .failure(
          ApplyTestError(description: "the \(run) apply wrote \(abort == nil ? "no" : "an") abort record"))
      }
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
        let afterKill: CrashVersion?
        if let abort {
          afterKill = position <= commit || position > abort ? .old : .new
        } else {
          afterKill = position <= commit ? .old : position >= rename ? .new : nil
        }
        // A failed rename's run rolls back from its start to its end: it has no cleanup phase.
        points.append(
          CrashPoint(
            run: run, strategy: strategy, syscall: call.name, occurrence: counts[call.name] ?? 0,
            call: String(shortened), phase: position < removal || abort != nil ? .transaction : .cleanup,
            afterKill: afterKill))
      }
      return .success(points)
    } catch {
      return .failure(ApplyTestError(description: "\(error)"))
    }
  }

  /// The injection points of `runs` under both strategies; none when strace is unusable (the
  /// tests are then disabled).
  static func points(_ runs: [CrashRun] = [.clean]) throws -> [CrashPoint] {
    guard available else { return [] }
    return try runs.flatMap { run in try SyncStrategy.allCases.flatMap { try census(of: run, $0) } }
  }

  /// The points of the traced `run` under `strategy`.
  static func census(of run: CrashRun, _ strategy: SyncStrategy) throws -> [CrashPoint] {
    try censuses[run]?[strategy]?.get() ?? []
  }

  /// The name of the system call apply's renames make here (`rename` or one of its relatives).
  static func renameSyscall() throws -> String {
    guard let rename = try census(of: .clean, .file).first(where: { $0.syscall.hasPrefix("rename") }) else {
      throw ApplyTestError(description: "the traced apply made no rename")
    }
    return rename.syscall
  }

  /// Runs `apply MANIFEST` killed at rename number `occurrence`, with `environment`.
  static func killAtRename(_ occurrence: Int, _ manifest: String, environment: [String] = []) throws -> ProcessResult {
    try inject("signal=KILL", into: renameSyscall(), occurrence: occurrence, manifest, environment: environment)
  }

  /// Runs `apply MANIFEST` with `action` (`signal=KILL`, `error=EIO`) injected at `point`.
  static func inject(_ action: String, at point: CrashPoint, _ manifest: String) throws -> ProcessResult {
    try inject(action, into: point.syscall, occurrence: point.occurrence, manifest, environment: point.environment)
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

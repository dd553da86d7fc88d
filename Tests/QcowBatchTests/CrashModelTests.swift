import Foundation
import Testing

// The crash-state explorer's parts on small hand-written traces: the strace argument decoder, the
// model of a file replaced by a rename, the states each filesystem model allows at each point,
// and the sample's budget.

@Suite("crash states: the model of a traced replace-by-rename")
struct CrashModelTests {
  /// A tree holding `g` ("old"), and the trace of a program that writes `f`, fsyncs it, renames
  /// it over `g` and fsyncs the directory.
  private struct Replace {
    let root: String
    let model: FileSystemModel

    init() throws {
      let directory = try TestSupport.makeTemporaryDirectory("qcow-batch-crash-model")
      guard let root = TestSupport.canonical(directory.path) else { throw ApplyTestError(description: "no root") }
      self.root = root
      try Data("old".utf8).write(to: URL(fileURLWithPath: root + "/g"))
      var model = try FileSystemModel(root: root, excluding: [])
      for line in [
        "openat(AT_FDCWD<\(root)>, \"\(root)/f\", O_WRONLY|O_CREAT|O_EXCL|O_CLOEXEC, 0600) = 3<\(root)/f>",
        "pwrite64(3<\(root)/f>, \"\\x6e\\x65\\x77\", 3, 0) = 3",
        "fsync(3<\(root)/f>) = 0",
        "rename(\"\(root)/f\", \"\(root)/g\") = 0",
        "openat(AT_FDCWD<\(root)>, \"\(root)\", O_RDONLY|O_CLOEXEC|O_DIRECTORY) = 4<\(root)>",
        "fsync(4<\(root)>) = 0",
        "unlink(\"\(root)/gone\") = -1 ENOENT (No such file or directory)",
      ] {
        guard let call = StraceCall("1 " + line) else { throw ApplyTestError(description: "cannot parse \(line)") }
        try model.replay(FileSystemCall(call))
      }
      self.model = model
    }

    func remove() { try? FileManager.default.removeItem(atPath: root) }
  }

  @Test("strace -xx arguments decode: strings, descriptors with paths, pointers, flags")
  func arguments() throws {
    let line =
      "7 copy_file_range(6<\\x2f\\x61\\x2c\\x62>, [65536 => 69632], 5</c>, [0], 4096, 0) = 4096"
    let call = FileSystemCall(try #require(StraceCall(line)))
    #expect(call.name == "copy_file_range" && call.result == 4096)
    #expect(try call.descriptor(0).path == "/a,b")
    #expect(try call.integer(1) == 65536 && call.integer(3) == 0 && call.integer(4) == 4096)
    let ioctl = FileSystemCall(
      try #require(
        StraceCall("7 ioctl(5</c>, BTRFS_IOC_CLONE or FICLONE, 6) = -1 EOPNOTSUPP (Operation not supported)")))
    #expect(ioctl.result == nil && ioctl.arguments.count == 3)
    #expect(StraceArgument.decode("\\x00\\x41\\n\\t\\\\\\101z") == [0, 65, 10, 9, 92, 65, 122])
  }

  @Test(
    "the model replays the calls: the rename is one unit, the failed unlink none, the tree ends as the program left it")
  func replay() throws {
    let replace = try Replace()
    defer { replace.remove() }
    let model = replace.model
    #expect(model.calls.count == 5, "\(model.calls)")
    #expect(model.units.count == 4)
    #expect(model.finalFiles == ["g": Data("new".utf8)])
    #expect(model.barriers.map(\.call) == [2, 4])
  }

  @Test("POSIX: a file's fsync makes its data durable, not its name; the directory's fsync its names")
  func posix() throws {
    let replace = try Replace()
    defer { replace.remove() }
    let spaces = CrashModel.posix.spaces(of: replace.model)
    // Before anything; the create; the write (name, bytes, size); the fsync; the rename; the directory's fsync.
    #expect(spaces.map(\.count) == [1, 2, 8, 2, 4, 1])
    // After the rename: the name `f` and the rename may each persist or not; the bytes are durable.
    let states = (0..<spaces[4].count).map { replace.model.disk(spaces[4].state($0)) }
    let contents = states.map { disk in
      disk.names.sorted { $0.key < $1.key }.map { path, node in
        guard case .file(let file) = node else { return path }
        return path + "=" + String(decoding: replace.model.content(of: file, on: disk).bytes, as: UTF8.self)
      }.joined(separator: " ")
    }
    #expect(Set(contents) == ["g=old", "f=new g=old", "g=new"])
  }

  @Test("ext4 data=ordered: metadata persists in order, data before the metadata that follows it")
  func ext4() throws {
    let replace = try Replace()
    defer { replace.remove() }
    let spaces = CrashModel.ext4Ordered.spaces(of: replace.model)
    // After the write: no name; the name alone, with or without the bytes; the name, the bytes and the size.
    #expect(spaces.map(\.count) == [1, 2, 5, 1, 2, 1])
    let model = replace.model
    let afterWrite = (0..<spaces[2].count).map { model.disk(spaces[2].state($0)) }
    #expect(!afterWrite.contains { disk in disk.names["f"] != nil && disk.fileUnits.values.contains([2]) })
  }

  @Test("a sample within its budget takes every distinct state, over it the budget in distinct states, all possible")
  func sample() throws {
    let replace = try Replace()
    defer { replace.remove() }
    let spaces = CrashModel.posix.spaces(of: replace.model)
    let possible = Set(spaces.flatMap { space in (0..<space.count).map(space.state) })
    let all = CrashStateSample(spaces, budget: 100, seed: 1)
    #expect(all.exhaustive && all.total == 18)
    #expect(Set(all.states.map(\.persisted)) == possible && all.states.count == possible.count)
    let exact = CrashStateSample(spaces, budget: possible.count, seed: 1)
    #expect(exact.exhaustive && exact.states.count == possible.count)
    let some = CrashStateSample(spaces, budget: 9, seed: 1)
    #expect(!some.exhaustive && some.states.count == 9)
    #expect(Set(some.states.map(\.persisted)).isSubset(of: possible))
  }

  @Test("a reflink clone is modelled as a copy of every byte; a ranged one stops the model")
  func clone() throws {
    let replace = try Replace()
    defer { replace.remove() }
    var model = replace.model
    let root = replace.root
    for line in [
      "openat(AT_FDCWD<\(root)>, \"\(root)/g\", O_RDONLY|O_CLOEXEC) = 5<\(root)/g>",
      "openat(AT_FDCWD<\(root)>, \"\(root)/h\", O_WRONLY|O_CREAT|O_EXCL|O_CLOEXEC, 0600) = 6<\(root)/h>",
      "ioctl(6<\(root)/h>, BTRFS_IOC_CLONE or FICLONE, 5) = 0",
    ] {
      try model.replay(FileSystemCall(try #require(StraceCall("1 " + line))))
    }
    #expect(model.finalFiles == ["g": Data("new".utf8), "h": Data("new".utf8)])
    let ranged = FileSystemCall(
      try #require(StraceCall("1 ioctl(6<\(root)/h>, BTRFS_IOC_CLONE_RANGE or FICLONERANGE, {src_fd=5}) = 0")))
    #expect(throws: ApplyTestError.self) { try model.replay(ranged) }
  }

  @Test("a call the model cannot follow inside the tree stops it")
  func unmodelled() throws {
    let replace = try Replace()
    defer { replace.remove() }
    var model = replace.model
    let root = replace.root
    let write = FileSystemCall(try #require(StraceCall("1 write(3<\(root)/g>, \"\\x78\", 1) = 1")))
    #expect(throws: ApplyTestError.self) { try model.replay(write) }
    let outside = FileSystemCall(try #require(StraceCall("1 write(1<pipe:[4]>, \"\\x78\", 1) = 1")))
    try model.replay(outside)
  }
}

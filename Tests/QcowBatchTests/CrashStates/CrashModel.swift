import Testing

/// Which crash states a filesystem may leave after a power cut, given the units a trace made and
/// its syncs.
enum CrashModel: String, CaseIterable, Sendable, CustomTestStringConvertible {
  /// POSIX: any subset of the units no sync has made durable may persist. An fsync or fdatasync
  /// of a file makes its data and size durable (not its name), an fsync of a directory the names
  /// in it, a syncfs everything.
  case posix
  /// ext4 with data=ordered, stricter: metadata (names, sizes) persists in the order it was
  /// made, as a prefix, since the journal commits it in order; data made before the last
  /// metadata unit that persisted has persisted too (data before the rename that publishes it);
  /// any sync commits the journal, making everything made before it durable.
  case ext4Ordered

  var testDescription: String { self == .posix ? "POSIX" : "ext4 data=ordered" }

  /// The states possible at each crash point of `model`: point p lies after the trace's first p
  /// effective calls, from before the first to after the last.
  func spaces(of model: FileSystemModel) -> [CrashPointSpace] {
    let units = model.units
    let barriers = model.barriers
    let durableAt = units.map { CrashModel.durableAt($0, barriers) }
    let effective = model.effectiveUnits
    return (0...model.calls.count).map { point in
      let made = effective.filter { units[$0].call < point }
      switch self {
      case .posix:
        let durable = made.filter { durableAt[$0].map { $0 < point } ?? false }
        let free = made.filter { durableAt[$0].map { $0 >= point } ?? true }
        return CrashPointSpace(point: point, unitCount: units.count, durable: durable, choice: .subset(free))
      case .ext4Ordered:
        let committed = barriers.last { $0.call < point }?.call ?? -1
        let free = made.filter { units[$0].call > committed }
        return CrashPointSpace(
          point: point, unitCount: units.count, durable: made.filter { units[$0].call < committed },
          choice: .orderedPrefix(
            metadata: free.filter { units[$0].isMetadata }, data: free.filter { !units[$0].isMetadata }))
      }
    }
  }

  /// The call of the first POSIX sync after `unit` that makes it durable; nil when none does.
  /// Names need a sync of each directory they change.
  private static func durableAt(_ unit: PersistenceUnit, _ barriers: [SyncBarrier]) -> Int? {
    let later = barriers.filter { $0.call > unit.call }
    let everything = later.first { $0.scope == .everything }?.call
    if let file = unit.file {
      return later.first { $0.scope == .file(file) || $0.scope == .everything }?.call
    }
    var latest = 0
    for directory in unit.directories {
      let synced = [later.first { $0.scope == .directory(directory) }?.call, everything].compactMap { $0 }.min()
      guard let synced else { return nil }
      latest = max(latest, synced)
    }
    return latest
  }
}

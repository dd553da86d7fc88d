extension HeaderArea {
  /// The name of `bit` in `group`: from the image's own feature table, else QEMU's name.
  public func featureName(_ group: FeatureGroup, bit: Int) -> String? {
    let own = extensions.lazy.filter { $0.kind == .featureTable }.flatMap { FeatureTableEntry.decode($0.data) }
      .first { $0.type == group.tableType && Int($0.bit) == bit }
    return own?.name ?? group.knownNames[bit]
  }
}

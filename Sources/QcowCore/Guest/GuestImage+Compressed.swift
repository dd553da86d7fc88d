extension GuestImage {
  /// The guest data of a compressed cluster.
  func decompressedCluster(_ entry: L2Entry) throws -> [UInt8] {
    throw QcowError("reading compressed clusters is not supported yet (compressed entry \(FieldFormat.hex.render(entry.entry)))")
  }
}

/// What one setup step did to the image file.
public struct SetupOutcome: Sendable, Equatable {
  /// Clusters that went from unreferenced to referenced.
  public let clustersAllocated: UInt64
  /// The file's length before and after.
  public let lengthBefore: UInt64
  public let lengthAfter: UInt64
}

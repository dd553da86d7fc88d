/// One crash state: the units a power cut left on the disk, and the first crash point (after
/// that many effective calls) where it can arise.
struct CrashState {
  let point: Int
  let persisted: UnitSet
}

import ArgumentParser
import QcowCore

/// `qcow-batch get IMAGE LOCATION...`: reads named metadata entries, as a test checking a
/// corruption would peek at them.
struct GetCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "get",
    abstract: "Show the host offset, raw value and fields of named metadata entries.",
    discussion: """
      Locations: l1[N], l2[vaddr=V], refcount_table[N], refcount[cluster=N], refcount[host=A..B], \
      snapshot[N|id=ID|name=NAME].FIELD, snapshot[...].l1[K], bitmap[N|name=NAME].FIELD. Numbers and \
      offsets are expressions: 64k + cluster, @l1_table + 8, @data[vaddr=0].
      """)

  @Argument(help: "The qcow2 image.")
  var image: String

  @Argument(help: "The locations to read.")
  var locations: [String]

  @Flag(help: "Print a JSON array of {location, offset, length, value, fields}.")
  var json = false

  func validate() throws {
    guard !locations.isEmpty else { throw ValidationError("give at least one location") }
    for text in locations {
      do {
        _ = try LocationParser.location(text)
      } catch {
        throw ValidationError("'\(text)': column \(error.column): \(error.message)")
      }
    }
  }

  func run() throws {
    do {
      try ImageFile.withFile(image) { file in
        let resolver = LocationResolver(image: file, area: try HeaderArea(reading: file))
        var lines: [String] = []
        var documents: [JSONValue] = []
        for text in locations {
          let location = try LocationParser.location(text)
          for place in try resolver.resolve(location) {
            lines.append(
              "\(place.name) at \(place.place): \(FieldFormat.hex.render(place.value))"
                + (place.fields.isEmpty ? "" : " (\(place.describe(place.bytes)))"))
            documents.append(
              .object([
                ("location", .string(place.name)), ("offset", .number(place.offset)),
                ("length", .number(UInt64(place.bytes.count))), ("value", .number(place.value)),
                ("fields", place.json(place.bytes)),
              ]))
          }
        }
        print(json ? JSONValue.array(documents).rendered() : lines.joined(separator: "\n"))
      }
    } catch let error as LocationParser.SyntaxError {
      throw QcowError("\(image): column \(error.column): \(error.message)")
    } catch let error as QcowError {
      throw QcowError("\(image): \(error.message)")
    }
  }
}

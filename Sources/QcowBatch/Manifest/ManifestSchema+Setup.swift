import QcowCore

extension ManifestSchema {
  /// The `setup` list and its steps, from `SetupOperation`.
  static func setupDefinitions() -> [(String, JSONValue)] {
    let steps = SetupOperation.allCases.map { step -> (String, JSONValue) in
      (step.rawValue, .object([("description", JSONValue.string(step.summary))] + mapping(step.mapping)))
    }
    return [
      ("setup", .object([("type", .string("array")), ("items", .object([("$ref", .string("#/definitions/step"))]))])),
      (
        "step",
        .object([
          ("description", .string("A mapping with one step, e.g. 'write: {offset: 0, length: 64k, pattern: 0x2a}'.")),
          ("type", .string("object")),
          ("minProperties", .number(1)),
          ("maxProperties", .number(1)),
          ("properties", .object(steps)),
          ("additionalProperties", .bool(false)),
        ])
      ),
    ]
  }
}

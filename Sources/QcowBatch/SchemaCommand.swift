import ArgumentParser

/// `qcow-batch schema`: prints the JSON Schema of manifest version 1.
struct SchemaCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "schema",
    abstract: "Print the JSON Schema of manifest version 1, for editors that check YAML as it is typed.",
    discussion: """
      The schema is made from the tables the manifest loader uses. A copy is in manifests/schema.json; a \
      manifest names it with a first line such as '# yaml-language-server: $schema=schema.json'.
      """
  )

  func run() {
    print(ManifestSchema.document().rendered())
  }
}

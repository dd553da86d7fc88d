#!/usr/bin/python3
"""Checks manifests against a JSON Schema with Debian's python3-jsonschema.

Standard input: {"schema": PATH, "manifests": [{"name": NAME, "text": YAML}, ...]}. Standard
output: {NAME: [PROBLEM, ...], ...}, no problems for a manifest the schema accepts. YAML is read
as PyYAML reads it (anchors, aliases and merge keys resolved), except that timestamps stay
strings and keys that are not strings (such as a sequence) become their text, as JSON needs.
"""
import json
import sys

import jsonschema
import yaml


class Loader(yaml.SafeLoader):
    """SafeLoader with string keys and no timestamps."""

    def construct_mapping(self, node, deep=False):
        self.flatten_mapping(node)
        mapping = {}
        for key_node, value_node in node.value:
            key = self.construct_object(key_node, deep=True)
            mapping[key if isinstance(key, str) else str(key)] = self.construct_object(value_node, deep=deep)
        return mapping

Loader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
Loader.add_constructor("tag:yaml.org,2002:map", Loader.construct_mapping)

request = json.load(sys.stdin)
with open(request["schema"]) as file:
    schema = json.load(file)
jsonschema.Draft7Validator.check_schema(schema)
validator = jsonschema.Draft7Validator(schema)
results = {}
for manifest in request["manifests"]:
    try:
        document = yaml.load(manifest["text"], Loader=Loader)
    except yaml.YAMLError as error:
        results[manifest["name"]] = ["YAML: " + str(error).replace("\n", " ")]
        continue
    results[manifest["name"]] = [
        "/".join(str(part) for part in error.absolute_path) + ": " + error.message
        for error in validator.iter_errors(document)
    ]
json.dump(results, sys.stdout, indent=1)

#!/usr/bin/env python3
"""jsonschema_check SCHEMA FILE: validate a JSON document against a JSON
Schema (draft 2020-12) with python3-jsonschema, independently of nslab.
Prints one line per violation (path: message) and exits 1 on any."""
import json
import sys

import jsonschema


def main():
    if len(sys.argv) != 3:
        print("usage: jsonschema_check SCHEMA FILE", file=sys.stderr)
        return 2
    with open(sys.argv[1]) as f:
        schema = json.load(f)
    with open(sys.argv[2]) as f:
        doc = json.load(f)
    cls = jsonschema.validators.validator_for(schema)
    cls.check_schema(schema)
    errors = sorted(cls(schema).iter_errors(doc), key=lambda e: list(e.absolute_path))
    for e in errors:
        path = "/".join(str(p) for p in e.absolute_path) or "(root)"
        print(f"{path}: {e.message}")
    if errors:
        return 1
    print("valid")
    return 0


if __name__ == "__main__":
    sys.exit(main())

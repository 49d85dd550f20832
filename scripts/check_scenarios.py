#!/usr/bin/env python3
"""Checks the shipped scenario files against wrapper_sim/scenario.schema.json, so the schema
users read stays the format the parser takes (the parser's own tests cover what a schema cannot)."""
import glob
import json
import sys

import jsonschema

schema = json.load(open("wrapper_sim/scenario.schema.json"))
jsonschema.Draft202012Validator.check_schema(schema)
validator = jsonschema.Draft202012Validator(schema)
files = sorted(glob.glob("wrapper_sim/scenarios/*.json") + glob.glob("tests/**/*.scenario.json", recursive=True))
bad = 0
for path in files:
    for error in validator.iter_errors(json.load(open(path))):
        bad += 1
        where = "/".join(str(p) for p in error.absolute_path) or "(top)"
        print(f"{path}: {where}: {error.message[:200]}")
sys.exit(1 if bad else 0)

"""Which operations a Schemathesis run reached past the door, from its NDJSON report.

An operation whose every answer was 401, 403 or 404 was never tested: only its authorisation or
its lookup of an id answered, never its own rules. Schemathesis warns when most answers were 404
(`missing_test_data`), which the fuzzed ids of item operations always cause; this fails the run
when all of them were, or when an operation got no answer at all.

    reached.py REPORT.ndjson openapi.yaml

Prints one line per operation (its answers by status) and exits 1 if any was not reached.
"""

import json
import sys
from collections import Counter, defaultdict

import yaml

METHODS = {"get", "put", "post", "patch", "delete"}
# The answers that come before an operation's own rules: no or a wrong token, no such item.
AT_THE_DOOR = {401, 403, 404}


def operations(spec_path):
    """`METHOD /path/{template}` -> operationId, for every operation of the spec."""
    with open(spec_path, encoding="utf-8") as spec_file:
        spec = yaml.safe_load(spec_file)
    return {
        f"{method.upper()} {path}": operation.get("operationId", f"{method.upper()} {path}")
        for path, item in spec["paths"].items()
        for method, operation in item.items()
        if method in METHODS
    }


def answers(report_path):
    """`METHOD /path/{template}` -> statuses answered, over every phase of the run."""
    seen = defaultdict(Counter)
    with open(report_path, encoding="utf-8") as report:
        for line in report:
            finished = json.loads(line).get("ScenarioFinished")
            if not finished:
                continue
            recorder = finished["recorder"]
            interactions = recorder.get("interactions") or {}
            for case_id, case in (recorder.get("cases") or {}).items():
                response = (interactions.get(case_id) or {}).get("response")
                if response:
                    value = case["value"]
                    seen[f"{value['method']} {value['path']}"][response["status_code"]] += 1
    return seen


def main(report_path, spec_path):
    seen = answers(report_path)
    documented = operations(spec_path)
    unreached = []
    for label, operation_id in sorted(documented.items(), key=lambda kv: kv[1]):
        statuses = seen.get(label, Counter())
        shown = ", ".join(f"{status}: {count}" for status, count in sorted(statuses.items())) or "none"
        print(f"  {operation_id:<28} {shown}")
        if not statuses or set(statuses) <= AT_THE_DOOR:
            unreached.append(operation_id)
    if unreached:
        print(f"not reached past 401/403/404: {', '.join(unreached)}")
        return 1
    print(f"every operation ({len(documented)}) answered something other than 401, 403 or 404")
    return 0


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    sys.exit(main(sys.argv[1], sys.argv[2]))

"""Reads pip-audit's JSON report: fails on any known vulnerability, and says plainly when the
audit could not look packages up (the index answering here may not serve PyPI's JSON API, and the
OSV database may be out of reach). An audit that checked nothing is never reported as a pass.

Usage: python .ci/audit.py REPORT.json   (exit 1: vulnerable; exit 2: not checked and
CI_REQUIRE_AUDIT=1; exit 0: checked and clean, or not checked and not required)."""

import json
import os
import sys


def not_checked(reason: str) -> None:
    print(f"pip-audit: NOT CHECKED: {reason}")
    if os.environ.get("CI_REQUIRE_AUDIT") == "1":
        sys.exit(2)
    print("pip-audit: treated as a warning; set CI_REQUIRE_AUDIT=1 to fail the run instead.")
    sys.exit(0)


if not os.path.exists(sys.argv[1]):
    not_checked("pip-audit produced no report (it could not reach its vulnerability service).")
with open(sys.argv[1]) as f:
    report = json.load(f)
deps = report.get("dependencies", [])
vulnerable = [d for d in deps if d.get("vulns")]
unchecked = [d for d in deps if "skip_reason" in d]
checked = len(deps) - len(unchecked)

for dep in vulnerable:
    ids = ", ".join(v["id"] for v in dep["vulns"])
    print(f"pip-audit: VULNERABLE {dep['name']} {dep.get('version', '')}: {ids}")
if vulnerable:
    sys.exit(1)
if unchecked:
    for dep in unchecked[:5]:
        print(f"  {dep['skip_reason']}")
    not_checked(
        f"{len(unchecked)} of {len(deps)} installed packages could not be looked up (the vulnerability "
        "service needs PyPI's JSON API or osv.dev, which this network does not reach)."
    )
print(f"pip-audit: {checked} packages checked, no known vulnerabilities.")

"""Write docs/rules.md from the rule registry (energy_lint/rules/): one section per rule with its
default severity, What, Why and Example, under the headings the SARIF rules' helpUri link to.
Rerun after adding or changing a rule (tests/rules/test_rules_doc.py fails until you do):

    .venv-test/bin/python scripts/make_rules_doc.py           # write
    .venv-test/bin/python scripts/make_rules_doc.py --check   # exit 1 when out of date
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from energy_lint.report.rule_docs import rules_document  # noqa: E402
from energy_lint.rules import RULES  # noqa: E402

DOC = ROOT / "docs" / "rules.md"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="write nothing; exit 1 when the page is stale")
    parser.add_argument("--output", type=Path, default=DOC, help="the page [default: docs/rules.md]")
    args = parser.parse_args(argv)
    target: Path = args.output
    text = rules_document(RULES)
    current = target.read_text(encoding="utf-8") if target.is_file() else None
    if args.check:
        if current != text:
            print(f"{target} is out of date: run python scripts/make_rules_doc.py", file=sys.stderr)
            return 1
        return 0
    if current != text:
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8")
        print(f"wrote {target}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

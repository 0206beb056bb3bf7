"""benchmarks/RESULTS.md is rewritten section by section by the benchmarks (`--write` replaces
the text between a section's BEGIN and END markers): sections that interleave, which a merge of
two branches appending at the same place produces, make the next --write destroy figures."""

from __future__ import annotations

import re
from pathlib import Path

RESULTS = Path(__file__).resolve().parents[1] / "benchmarks" / "RESULTS.md"
MARKER = re.compile(r"^<!-- (BEGIN|END) (.+) -->$")


def test_every_section_ends_before_the_next_begins_and_none_repeats() -> None:
    open_section, seen = None, []
    for number, line in enumerate(RESULTS.read_text().splitlines(), start=1):
        match = MARKER.match(line)
        if not match:
            continue
        kind, name = match.groups()
        if kind == "BEGIN":
            assert open_section is None, f"line {number}: {name!r} begins inside {open_section!r}"
            assert name not in seen, f"line {number}: {name!r} appears twice"
            open_section = name
            seen.append(name)
        else:
            assert open_section == name, f"line {number}: END {name!r} closes {open_section!r}"
            open_section = None
    assert open_section is None, f"{open_section!r} never ends"
    assert len(seen) >= 10

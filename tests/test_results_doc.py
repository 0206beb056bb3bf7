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


def test_the_readme_quotes_the_default_profiles_accuracy_as_the_benchmark_wrote_it() -> None:
    """README's figures for the default profile are those of benchmarks/accuracy.py's section for
    the campaign it was fitted on."""
    from energy_lint.estimation.profile import PREFERRED

    readme = (RESULTS.parents[1] / "README.md").read_text()
    text = RESULTS.read_text()
    section = text.split("<!-- BEGIN accuracy-cpu-xeon-2core-tf-ctx2 -->")[1].split("<!-- END")[0]
    overall = re.search(
        r"energy-lint RMSPE ([\d.]+%) against ([\d.]+%) for `a\*MACs\+b` \(([\d.]+x)", section
    )
    assert overall is not None
    rmspe, _macs, times = overall.groups()
    assert f"The default, `{PREFERRED[0]}`" in readme
    assert f"off by {rmspe} RMSPE, {times} closer than `a*MACs+b`" in " ".join(readme.split())


def subset(predictions: str, *without: str) -> tuple[str, str, str]:
    """benchmarks/accuracy_subset.py on a committed predictions file without these families: the
    number of families left, energy-lint's RMSPE over them and how many times closer than MACs."""
    import subprocess
    import sys

    root = RESULTS.parents[1]
    script = root / "benchmarks" / "accuracy_subset.py"
    options = [part for family in without for part in ("--without", family)]
    out = subprocess.run(
        [sys.executable, str(script), str(root / "benchmarks" / predictions), *options],
        capture_output=True, text=True, check=True,
    ).stdout  # fmt: skip
    figure = re.search(r"energy-lint\s+RMSPE\s+([\d.]+%).*\(([\d.]+)x closer", out)
    families = re.search(r"models of (\d+) families", out)
    assert figure is not None and families is not None
    return families.group(1), figure.group(1), figure.group(2)


def test_the_readme_quotes_the_architecture_only_figure_as_accuracy_subset_computes_it() -> None:
    """The README's RMSPE over the architecture families, the kernel probes left out, is what
    benchmarks/accuracy_subset.py reads off the committed predictions file."""
    families, rmspe, _ = subset("accuracy-cpu-xeon-2core-tf-ctx2-predictions.csv", "rand-kernel")
    readme = " ".join((RESULTS.parents[1] / "README.md").read_text().split())
    assert f"over the {families} architecture families alone it is off by {rmspe}" in readme


def test_the_readme_quotes_the_held_out_llama_figures_as_accuracy_subset_computes_them() -> None:
    """A Llama's prefill and decode-step error with every Llama held out, as the README says."""
    import subprocess
    import sys

    root = RESULTS.parents[1]
    predictions = root / "benchmarks" / "accuracy-cpu-xeon-2core-tf-ctx2-predictions.csv"
    script = root / "benchmarks" / "accuracy_subset.py"
    readme = " ".join((root / "README.md").read_text().split())
    figures = []
    for phase in ("prefill", "decode"):
        out = subprocess.run(
            [sys.executable, str(script), str(predictions), "--only", "hub-llama", "--phase", phase],
            capture_output=True, text=True, check=True,
        ).stdout  # fmt: skip
        figure = re.search(r"energy-lint\s+RMSPE\s+([\d.]+%)", out)
        assert figure is not None and "of 1 families" in out
        figures.append(figure.group(1))
    assert (
        f"a Llama's prefill is predicted within {figures[0]} RMSPE and its decode step within {figures[1]}"
        in readme
    )


def test_the_readme_quotes_the_onnxruntime_profiles_accuracy_as_the_benchmark_wrote_it() -> None:
    """README's figures for the onnxruntime profile are those of its accuracy section."""
    text = RESULTS.read_text()
    section = text.split("<!-- BEGIN accuracy-cpu-epyc-2core-ort -->")[1].split("<!-- END")[0]
    overall = re.search(
        r"energy-lint RMSPE ([\d.]+%) against ([\d.]+%) for `a\*MACs\+b` \(([\d.]+)x; target 15% and 3x\), "
        r"([\d.]+%) for the whole-model linear fit.*covers (\d+%) of held-out models.*high/low ([\d.]+)",
        section,
    )
    assert overall is not None
    rmspe, macs, ratio, linear, coverage, width = overall.groups()
    readme = " ".join((RESULTS.parents[1] / "README.md").read_text().split())
    closer = "no closer" if float(ratio) <= 1.0 else "closer"
    side = "closer than" if float(rmspe[:-1]) < float(linear[:-1]) else "further off than"
    quoted = (
        f"off by {rmspe} RMSPE against {macs} for `a*MACs+b` fitted on the same rows ({ratio}x: {closer}) "
        f"and {side} a whole-model linear fit ({linear}); its 90% interval covers {coverage} "
        f"of them and spans {width}x"
    )
    assert quoted in readme


def test_the_readme_quotes_the_onnxruntime_figure_without_mlps_as_accuracy_subset_computes_it() -> None:
    """The README's RMSPE of the onnxruntime profile without its two MLP families is what
    benchmarks/accuracy_subset.py reads off the committed predictions file."""
    families, rmspe, times = subset("accuracy-cpu-epyc-2core-ort-predictions.csv", "torch-mlp", "rand-mlp")
    readme = " ".join((RESULTS.parents[1] / "README.md").read_text().split())
    assert (
        f"over the other {families} families it is off by {rmspe}, {times}x closer than `a*MACs+b`" in readme
    )


def test_the_readme_counts_the_real_world_manifest_as_it_is() -> None:
    """The README's count of other people's files is the manifest's."""
    import csv

    root = RESULTS.parents[1]
    with (root / "benchmarks" / "realworld" / "more.tsv").open() as handle:
        rows = list(csv.DictReader(handle, delimiter="\t"))
    packages = {row["package"] for row in rows}
    readme = " ".join((root / "README.md").read_text().split())
    assert f"{len(rows)} files of {len(packages)} packages on the index" in readme

"""Kernel-side cost of one dashboard update, on the real data and on synthetic tables.

Run after `make test`'s set-up:  .venv/bin/python benchmarks/bench_kernel.py [--seed 20261122]

One update = match_evidence + applicable_therapies + one figure. On the real data the figure is
the outcome-ranges plot (PFS), as the dashboard draws it; on synthetic tables of 10^3, 10^4 and
10^5 rows (real rows resampled with new ids, so every row still meets the data contract) it is
the evidence map, the figure that summarises every row. Prints medians, ranges and the growth
ratios; the machine is shared, so compare ratios measured in one run.
"""

from __future__ import annotations

import argparse
import statistics
import time

import numpy as np
import pandas as pd

from pnen_explorer import Profile, applicable_therapies, load_evidence, match_evidence, plots

PROFILE = Profile(ki67=8, differentiation="well", functional=False, liver_type="I")


def synthetic(evidence: pd.DataFrame, rows: int, rng: np.random.Generator) -> pd.DataFrame:
    """``rows`` rows drawn from the real table, with fresh ids of the contract's shape."""
    picked = evidence.iloc[rng.integers(0, len(evidence), rows)].reset_index(drop=True)
    picked["evidence_id"] = [f"primary-{i:06d}" for i in range(rows)]
    picked["checks_evidence_id"] = ""
    return picked


def timed(update, repeats: int) -> list[float]:
    update()  # warm caches and imports once
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        update()
        times.append((time.perf_counter() - start) * 1000)
    return times


def describe(name: str, values: list[float]) -> str:
    return (
        f"{name}: median {statistics.median(values):.1f} ms "
        f"(range {min(values):.1f}–{max(values):.1f}, n={len(values)})"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=20261122)
    parser.add_argument("--repeats", type=int, default=30)
    args = parser.parse_args()
    print(f"seed {args.seed}")
    evidence = load_evidence()

    def real_update():
        matched = match_evidence(evidence, PROFILE)
        applicable_therapies(PROFILE, evidence)
        plots.outcome_ranges(matched, "PFS", subtitle=PROFILE.summary())

    real = timed(real_update, args.repeats)
    print(describe(f"real data ({len(evidence)} rows): match + guidance + PFS figure", real))
    print(f"  target ≤ 10 ms median: {'met' if statistics.median(real) <= 10 else 'NOT met'}")
    for name, step in [
        ("match_evidence", lambda: match_evidence(evidence, PROFILE)),
        ("applicable_therapies", lambda: applicable_therapies(PROFILE, evidence)),
        ("outcome_ranges", lambda: plots.outcome_ranges(match_evidence(evidence, PROFILE), "PFS")),
    ]:
        print("  " + describe(name, timed(step, args.repeats)))

    rng = np.random.default_rng(args.seed)
    medians = {}
    for rows in (1_000, 10_000, 100_000):
        table = synthetic(evidence, rows, rng)

        def update(table=table):
            matched = match_evidence(table, PROFILE)
            applicable_therapies(PROFILE, table)
            plots.evidence_map(matched, subtitle=PROFILE.summary())

        values = timed(update, max(5, args.repeats // (rows // 1000 or 1)))
        medians[rows] = statistics.median(values)
        print(describe(f"synthetic {rows} rows: match + guidance + evidence map", values))
    growth = medians[100_000] / medians[10_000]
    print(
        f"growth 10^4 -> 10^5 rows: x{growth:.1f} time for x10 rows "
        f"({'no worse than linear' if growth <= 10 else 'worse than linear'})"
    )
    print(f"  target ≤ 100 ms at 10^5 rows: {'met' if medians[100_000] <= 100 else 'NOT met'}")


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""Summarise Autobahn client reports (as written by kosoku or the Autobahn testsuite).

Usage: autobahn_counts.py [INDEX_OR_DIR ...]

Each argument is an `index.json` or a directory holding one; without arguments every
`target/autobahn/*/index.json` under the repository root is read. For each agent it prints
how many cases ended with each behaviour (OK, NON-STRICT, INFORMATIONAL, UNIMPLEMENTED,
FAILED, and any other label the report uses) and each closing behaviour, side by side,
then lists the failed, non-strict and wrong-close cases.

A case counts as failed when its behaviour is neither OK, NON-STRICT, INFORMATIONAL nor
UNIMPLEMENTED (so FAILED, and kosoku's ERROR or NO_CLOSE), or when its closing behaviour is
FAILED or UNCLEAN: the cases the Autobahn report shows in red.

Exit status: 1 if the `omnisocket` agent has a failed case, 2 if there are no results (a
missing or empty index), 0 otherwise.
"""

from __future__ import annotations

import json
import sys
from collections import Counter
from pathlib import Path

GUARDED_AGENT = "omnisocket"
BEHAVIOURS = ["OK", "NON-STRICT", "INFORMATIONAL", "UNIMPLEMENTED", "FAILED"]
CLOSE_BEHAVIOURS = [
    "OK",
    "INFORMATIONAL",
    "WRONG CODE",
    "FAILED BY CLIENT",
    "UNCLEAN",
    "FAILED",
]
PASSING = {"OK", "NON-STRICT", "INFORMATIONAL", "UNIMPLEMENTED"}
FAILING_CLOSE = {"FAILED", "UNCLEAN"}


def case_key(case_id: str) -> tuple[int, ...]:
    return tuple(int(part) if part.isdigit() else 0 for part in case_id.split("."))


def is_failed(entry: dict) -> bool:
    return (
        entry.get("behavior") not in PASSING
        or entry.get("behaviorClose") in FAILING_CLOSE
    )


def load(paths: list[Path]) -> dict[str, dict[str, dict]]:
    """Merges the indexes: agent -> case id -> index entry."""
    agents: dict[str, dict[str, dict]] = {}
    for path in paths:
        index = path / "index.json" if path.is_dir() else path
        if not index.is_file():
            print(f"error: no report index at {index}", file=sys.stderr)
            continue
        try:
            data = json.loads(index.read_text())
        except (OSError, ValueError) as error:
            print(f"error: cannot read {index}: {error}", file=sys.stderr)
            continue
        if not data:
            print(f"error: {index} holds no results", file=sys.stderr)
        for agent, cases in data.items():
            agents.setdefault(agent, {}).update(cases)
    return agents


def table(title: str, labels: list[str], counts: dict[str, Counter]) -> None:
    agents = list(counts)
    extra = sorted({l for c in counts.values() for l in c} - set(labels))
    rows = labels + extra
    width = max(len(title), *(len(r) for r in rows))
    cols = [max(len(a), 5) for a in agents]
    print(f"{title:<{width}}  " + "  ".join(f"{a:>{w}}" for a, w in zip(agents, cols)))
    for row in rows + ["total"]:
        values = [
            sum(counts[a].values()) if row == "total" else counts[a].get(row, 0)
            for a in agents
        ]
        print(f"{row:<{width}}  " + "  ".join(f"{v:>{w}}" for v, w in zip(values, cols)))
    print()


def listing(label: str, ids: list[str], notes: dict[str, str] | None = None) -> None:
    shown = [
        f"{cid}[{notes[cid]}]" if notes else cid for cid in sorted(ids, key=case_key)
    ]
    print(f"  {label} ({len(ids)}): {' '.join(shown) if shown else '-'}")


def main(argv: list[str]) -> int:
    if argv:
        paths = [Path(arg) for arg in argv]
    else:
        root = Path(__file__).resolve().parent.parent
        paths = sorted((root / "target" / "autobahn").glob("*/index.json"))
    agents = load(paths)
    if not agents or not any(agents.values()):
        print("error: no Autobahn results found", file=sys.stderr)
        return 2

    table(
        "behavior",
        BEHAVIOURS,
        {a: Counter(e.get("behavior") for e in cases.values()) for a, cases in agents.items()},
    )
    table(
        "behaviorClose",
        CLOSE_BEHAVIOURS,
        {
            a: Counter(e.get("behaviorClose") for e in cases.values())
            for a, cases in agents.items()
        },
    )

    status = 0
    for agent, cases in agents.items():
        print(f"{agent}:")
        failed = [cid for cid, e in cases.items() if is_failed(e)]
        listing("failed", failed)
        listing(
            "non-strict",
            [cid for cid, e in cases.items() if e.get("behavior") == "NON-STRICT"],
        )
        odd_close = {
            cid: str(e.get("behaviorClose"))
            for cid, e in cases.items()
            if e.get("behaviorClose") not in ("OK", "INFORMATIONAL")
        }
        listing("close not OK/INFORMATIONAL", list(odd_close), odd_close)
        if agent == GUARDED_AGENT and failed:
            status = 1
    if status:
        print(f"\n{GUARDED_AGENT} FAILED Autobahn cases (see the reports for details)")
    # A missing index among several is also "no results" for that run.
    if any(not (p / "index.json" if p.is_dir() else p).is_file() for p in paths):
        status = status or 2
    return status


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

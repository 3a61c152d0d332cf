"""How fair the rotation is under churn: the worst deviation from fair share and the longest run.

    .venv/bin/python benchmarks/rotation_fairness.py [--pools 1000] [--steps 120] [--seed 1]

Random pools (2–6 reps, weights 1–4) take random sequences of leads, away/back, join/leave,
weight and cap changes through the real pick (``tests/routing/rotation_model.py``, the model the
property tests use). Prints JSON:

- ``worst_deviation_leads``: the largest |received − fair share| of any rep at any turn, fair
  share counted turn by turn among the reps who could take it (a rep back from sitting turns
  out while behind restarts level, the rotation's one forgiveness rule);
- ``longest_run``: the most consecutive leads to one rep while another rep could take them;
- ``longest_run_with_an_equal_weight_peer``: the same, while an equal-weight rep could;
- ``worst_window_deviation``: after the churn, with membership stable for W leads (W = their
  total weight), the largest |leads received in those W − weight|.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.routing.rotation_model import Op, Sim


def _op(rnd: random.Random, reps: int) -> Op:
    rep = rnd.randint(1, reps)
    kind = rnd.choice(["lead"] * 6 + ["away", "back", "join", "leave", "weight", "cap"])
    value = rnd.randint(0, 6) if kind == "cap" else rnd.randint(1, 4)
    return (kind, rep, value)


def _runs(sim: Sim) -> tuple[int, int]:
    """Runs of one rep counted only over turns another rep (an equal-weight peer) could take."""
    longest = peers = run = peer_run = 0
    previous = None
    for chosen, eligible, _lag in sim.picks:
        same = chosen == previous
        previous = chosen
        run = run + 1 if same and run else (1 if len(eligible) > 1 else 0)
        if len(eligible) <= 1:
            run = 0
        peer = any(w == eligible[chosen] and r != chosen for r, w in eligible.items())
        peer_run = (peer_run + 1 if same and peer_run else 1) if peer else 0
        longest, peers = max(longest, run), max(peers, peer_run)
    return longest, peers


def measure(pools: int, steps: int, seed: int) -> dict[str, object]:
    rnd = random.Random(seed)
    worst, longest, peers, window_worst = 0.0, 0, 0, 0
    for _ in range(pools):
        reps = rnd.randint(2, 6)
        sim = Sim.of([rnd.randint(1, 4) for _ in range(reps)])
        for _ in range(steps):
            sim.apply(_op(rnd, reps))
            if sim.ledger.lag:
                worst = max(worst, max(abs(float(v)) for v in sim.ledger.lag.values()))
        available = sim.available()
        if available:
            start = len(sim.picks)
            for _ in range(sum(available.values())):
                sim.lead()
            if sim.available() == available:
                got = [chosen for chosen, _e, _l in sim.picks[start:]]
                window_worst = max(
                    window_worst, *(abs(got.count(r) - w) for r, w in available.items())
                )
        run, peer_run = _runs(sim)
        longest, peers = max(longest, run), max(peers, peer_run)
    return {
        "pools": pools,
        "steps_per_pool": steps,
        "worst_deviation_leads": round(worst, 3),
        "longest_run": longest,
        "longest_run_with_an_equal_weight_peer": peers,
        "worst_window_deviation": window_worst,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pools", type=int, default=1000)
    parser.add_argument("--steps", type=int, default=120)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    print(json.dumps(measure(args.pools, args.steps, args.seed), indent=2))


if __name__ == "__main__":
    main()

"""Fairness is a property: random leads, away/back, join/leave, weight and cap changes.

Each test drives the real pick through :mod:`tests.routing.rotation_model`, whose ledger
computes fair shares on its own from who could take each turn.
"""

from __future__ import annotations

from itertools import pairwise

from hypothesis import given, settings
from hypothesis import strategies as st

from tests.routing.rotation_model import Op, Sim, credit_scale

REPS = 5
weights_st = st.lists(st.integers(1, 4), min_size=2, max_size=REPS)
rep_st = st.integers(1, REPS)
op_st: st.SearchStrategy[Op] = st.one_of(
    st.tuples(st.just("lead"), st.just(0), st.just(0)),
    st.tuples(st.just("lead"), st.just(0), st.just(0)),
    st.tuples(st.sampled_from(["away", "back", "leave"]), rep_st, st.just(0)),
    st.tuples(st.sampled_from(["join", "weight"]), rep_st, st.integers(1, 4)),
    st.tuples(st.just("cap"), rep_st, st.integers(0, 6)),
)
churn_st = st.lists(op_st, max_size=60)
FEW = settings(max_examples=60, deadline=None)


@FEW
@given(weights=weights_st, ops=churn_st)
def test_property_no_lead_goes_past_an_available_rep_of_at_least_that_weight_further_behind(
    weights: list[int], ops: list[Op]
) -> None:
    sim = Sim.of(weights)
    for op in [*ops, *[("lead", 0, 0)] * 10]:
        sim.apply(op)
    for chosen, eligible, lag in sim.picks:
        for rep, weight in eligible.items():
            if weight >= eligible[chosen]:
                assert lag[rep] <= lag[chosen] + credit_scale(), (rep, chosen, lag)


@FEW
@given(weights=weights_st, leads=st.integers(1, 60))
def test_property_in_a_stable_membership_equal_weight_reps_strictly_alternate(
    weights: list[int], leads: int
) -> None:
    sim = Sim.of(weights)
    for _ in range(leads):
        sim.lead()
    order = [chosen for chosen, _e, _l in sim.picks]
    for a, b in pairwise(order):
        peers = [r for r, w in enumerate(weights, start=1) if w == weights[a - 1] and r != a]
        assert a != b or not peers


@FEW
@given(weights=weights_st, ops=churn_st)
def test_property_after_churn_every_rep_is_within_one_lead_of_share_once_stable_for_w_leads(
    weights: list[int], ops: list[Op]
) -> None:
    sim = Sim.of(weights)
    for op in ops:
        sim.apply(op)
    available = sim.available()
    if not available:
        return
    window = sum(available.values())
    start = len(sim.picks)
    for _ in range(window):
        sim.lead()
    if sim.available() != available:  # a cap ran out inside the window: not stable
        return
    got = [chosen for chosen, _e, _l in sim.picks[start:]]
    for rep, weight in available.items():
        assert abs(got.count(rep) - weight) <= 1, (available, got)

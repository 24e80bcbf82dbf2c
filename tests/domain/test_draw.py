import random
from collections import Counter
from dataclasses import replace

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from app.domain.draw import DrawEnterprise, DrawInspector, DrawRequest, draw, verify_draw
from app.domain.errors import RuleViolation
from app.domain.risk import RiskClass

COUNTIES = ("652801", "652802", "652823")


def enterprises(n: int, risk_class: RiskClass = RiskClass.B, prefix: str = "e") -> tuple[DrawEnterprise, ...]:
    return tuple(DrawEnterprise(f"{prefix}{k:02}", COUNTIES[k % 3], risk_class) for k in range(n))


def inspectors(n: int) -> tuple[DrawInspector, ...]:
    return tuple(DrawInspector(f"i{k:02}", COUNTIES[k % 3]) for k in range(n))


def request(**overrides) -> DrawRequest:
    values = dict(seed=20220301, enterprises=enterprises(6), inspectors=inspectors(6), count=4)
    return DrawRequest(**{**values, **overrides})


def test_a_draw_assigns_two_distinct_inspectors_to_each_drawn_enterprise():
    result = draw(request())
    assert len(result.assignments) == 4
    assert all(len(set(a.inspector_ids)) == 2 for a in result.assignments)
    assert verify_draw(request(), result)


def test_a_draw_spreads_the_load_evenly_when_nothing_is_excluded():
    result = draw(request(count=6, inspectors=inspectors(4)))
    load = Counter(i for a in result.assignments for i in a.inspector_ids)
    assert sorted(load.values()) == [3, 3, 3, 3]


def test_the_same_pair_is_never_drawn_twice_so_three_inspectors_staff_at_most_three_enterprises():
    assert len(draw(request(count=3, inspectors=inspectors(3))).assignments) == 3
    with pytest.raises(RuleViolation) as caught:
        draw(request(count=4, inspectors=inspectors(3)))
    assert [p.loc[0] for p in caught.value.problems] == ["enterprises"]


def test_an_enterprise_nobody_may_inspect_is_named():
    lonely = DrawEnterprise("e99", "652801", RiskClass.D)
    conflicts = frozenset((i.id, "e99") for i in inspectors(6) if i.county_code != "652801")
    req = request(enterprises=(lonely,), count=1, cross_inspection=True, conflicts=conflicts)
    with pytest.raises(RuleViolation) as caught:
        draw(req)
    assert [p.loc for p in caught.value.problems] == [("enterprises", "e99")]
    assert not verify_draw(req, draw(request()))


@pytest.mark.parametrize(
    ("overrides", "loc"),
    [
        ({"count": 7}, ("count",)),
        ({"count": -1}, ("count",)),
        ({"count": None}, ("count",)),
        ({"ratio_by_class": {RiskClass.B: 0.5}}, ("count",)),
        ({"count": None, "ratio_by_class": {RiskClass.B: 1.5}}, ("ratio_by_class", "B")),
        ({"count": None, "ratio_by_class": {"E": 0.5}}, ("ratio_by_class", "E")),
        ({"inspectors": (*inspectors(6), DrawInspector("i00", "652801"))}, ("inspectors", "i00")),
    ],
)
def test_an_ill_formed_draw_request_is_refused(overrides, loc):
    with pytest.raises(RuleViolation) as caught:
        draw(request(**overrides))
    assert loc in [p.loc for p in caught.value.problems]


def test_a_ratio_draws_the_ceiling_of_each_class_pool():
    pool = enterprises(30, RiskClass.A, "a") + enterprises(5, RiskClass.C, "c") + enterprises(3, RiskClass.D, "d")
    ratios = {RiskClass.A: 0.1, RiskClass.C: 0.5, RiskClass.D: 1.0}
    result = draw(request(enterprises=pool, inspectors=inspectors(12), count=None, ratio_by_class=ratios))
    drawn = Counter(a.enterprise_id[0] for a in result.assignments)
    assert drawn == {"a": 3, "c": 3, "d": 3}


def test_the_inputs_hash_ignores_the_seed_and_input_order_but_not_the_inputs():
    base = draw(request())
    assert draw(request(seed=1)).inputs_hash == base.inputs_hash
    assert draw(request(enterprises=enterprises(6)[::-1])).inputs_hash == base.inputs_hash
    assert draw(request(count=3)).inputs_hash != base.inputs_hash
    assert not verify_draw(request(count=3), base)


# --- properties -------------------------------------------------------------------------------------


@st.composite
def draw_requests(draw_value):
    n_inspectors = draw_value(st.integers(min_value=0, max_value=8))
    n_enterprises = draw_value(st.integers(min_value=0, max_value=10))
    pool = tuple(
        DrawEnterprise(f"e{k}", draw_value(st.sampled_from(COUNTIES)), draw_value(st.sampled_from(RiskClass)))
        for k in range(n_enterprises)
    )
    staff = tuple(DrawInspector(f"i{k}", draw_value(st.sampled_from(COUNTIES))) for k in range(n_inspectors))
    all_pairs = [(i.id, e.id) for i in staff for e in pool]
    conflicts = frozenset(draw_value(st.lists(st.sampled_from(all_pairs), max_size=6))) if all_pairs else frozenset()
    return DrawRequest(
        seed=draw_value(st.integers(min_value=0, max_value=2**32)),
        enterprises=pool,
        inspectors=staff,
        count=draw_value(st.integers(min_value=0, max_value=n_enterprises)),
        cross_inspection=draw_value(st.booleans()),
        conflicts=conflicts,
    )


def shuffled(req: DrawRequest, seed: int) -> DrawRequest:
    rng = random.Random(seed)
    return replace(
        req,
        enterprises=tuple(rng.sample(req.enterprises, len(req.enterprises))),
        inspectors=tuple(rng.sample(req.inspectors, len(req.inspectors))),
    )


@settings(max_examples=80, deadline=None)
@given(draw_requests(), st.integers())
def test_a_draw_is_reproducible_and_respects_every_exclusion(req, shuffle_seed):
    try:
        result = draw(req)
    except RuleViolation as violation:
        assert all(p.loc[0] == "enterprises" for p in violation.problems)
        with pytest.raises(RuleViolation):
            draw(shuffled(req, shuffle_seed))
        return
    assert draw(req) == result
    assert draw(shuffled(req, shuffle_seed)) == result
    assert verify_draw(req, result)
    assert len(result.assignments) == req.count
    county = {i.id: i.county_code for i in req.inspectors}
    enterprise_county = {e.id: e.county_code for e in req.enterprises}
    pairs = [frozenset(a.inspector_ids) for a in result.assignments]
    assert len(set(pairs)) == len(pairs), "never the same pair twice"
    for a in result.assignments:
        first, second = a.inspector_ids
        assert first != second
        for inspector_id in a.inspector_ids:
            assert (inspector_id, a.enterprise_id) not in req.conflicts
            if req.cross_inspection:
                assert county[inspector_id] != enterprise_county[a.enterprise_id]

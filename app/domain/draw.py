"""Rule 13: the double-random draw 双随机 — random enterprises, random inspectors, reproducible by seed."""

import hashlib
import json
import math
import random
import secrets
from collections import Counter
from dataclasses import dataclass
from datetime import date
from itertools import combinations

from app.domain.errors import Problem, RuleViolation, raise_if_any
from app.domain.risk import RISK_ORDER, RiskClass


@dataclass(frozen=True)
class DrawEnterprise:
    id: str
    county_code: str
    risk_class: RiskClass


@dataclass(frozen=True)
class DrawInspector:
    id: str
    county_code: str


@dataclass(frozen=True)
class Exclusion:
    """An enterprise of the pool kept out of the draw (e.g. closed, inspected last week), with why."""

    enterprise_id: str
    reason: str


@dataclass(frozen=True)
class PastAssignment:
    """An inspection team of an earlier draw, so this one can prefer teams not used recently."""

    inspector_ids: tuple[str, ...]
    drawn_on: date


@dataclass(frozen=True, kw_only=True)
class DrawRequest:
    """Give exactly one of `count` (enterprises in all) or `ratio_by_class` (share of each class's pool).

    `conflicts` holds (inspector_id, enterprise_id) pairs that must not meet (回避). `exclusions` keep
    enterprises of the pool out of the draw, each with its reason. `recent` lists earlier draws' teams.
    `team_size` is the RuleSet's `min_inspectors` (计划 五). The seed may be left out while the pool is frozen
    (`freeze_pool`) and given afterwards (`new_seed`).
    """

    seed: int | None = None
    enterprises: tuple[DrawEnterprise, ...]
    inspectors: tuple[DrawInspector, ...]
    count: int | None = None
    ratio_by_class: dict[RiskClass, float] | None = None
    cross_inspection: bool = False
    conflicts: frozenset[tuple[str, str]] = frozenset()
    exclusions: tuple[Exclusion, ...] = ()
    recent: tuple[PastAssignment, ...] = ()
    team_size: int = 2


@dataclass(frozen=True)
class Assignment:
    enterprise_id: str
    inspector_ids: tuple[str, ...]


@dataclass(frozen=True)
class DrawResult:
    seed: int
    inputs_hash: str
    assignments: tuple[Assignment, ...]


SEED_LIMIT = 2**63
"""Seeds are 0 ≤ seed < 2**63, so they fit a signed 64-bit column."""


def new_seed() -> int:
    """A fresh seed from the operating system's randomness, drawn by the server after the pool is frozen."""
    return secrets.randbelow(SEED_LIMIT)


def inputs_hash(request: DrawRequest) -> str:
    """sha256 of the canonical JSON of everything but the seed — the pool, its exclusions with their reasons,
    the history and the team size — so the pool can be frozen and published before the seed is drawn.
    Independent of the order the inputs were given in. Keys added after the first draws (exclusions, recent,
    team_size) appear only when they differ from their default, so earlier draws keep their hash.
    """
    ratios = request.ratio_by_class
    canonical: dict[str, object] = {
        "enterprises": sorted([e.id, e.county_code, str(e.risk_class)] for e in request.enterprises),
        "inspectors": sorted([i.id, i.county_code] for i in request.inspectors),
        "count": request.count,
        "ratio_by_class": None if ratios is None else {str(k): float(v) for k, v in sorted(ratios.items())},
        "cross_inspection": request.cross_inspection,
        "conflicts": sorted([inspector, enterprise] for inspector, enterprise in request.conflicts),
    }
    if request.exclusions:
        canonical["exclusions"] = sorted([x.enterprise_id, x.reason] for x in request.exclusions)
    if request.recent:
        canonical["recent"] = sorted([p.drawn_on.isoformat(), *sorted(p.inspector_ids)] for p in request.recent)
    if request.team_size != 2:
        canonical["team_size"] = request.team_size
    text = json.dumps(canonical, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _exclusion_problems(request: DrawRequest) -> list[Problem]:
    pool = {e.id for e in request.enterprises}
    problems, seen = [], set()
    for exclusion in request.exclusions:
        loc = ("exclusions", exclusion.enterprise_id)
        if exclusion.enterprise_id in seen:
            problems.append(Problem(loc, "enterprise_excluded_twice"))
        elif exclusion.enterprise_id not in pool:
            problems.append(Problem(loc, "excluded_enterprise_not_in_pool"))
        elif not exclusion.reason.strip():
            problems.append(Problem((*loc, "reason"), "exclusion_needs_reason"))
        seen.add(exclusion.enterprise_id)
    return problems


def _pool(request: DrawRequest) -> list[DrawEnterprise]:
    """The enterprises that may be drawn: the pool less its exclusions, by id."""
    excluded = {x.enterprise_id for x in request.exclusions}
    return sorted((e for e in request.enterprises if e.id not in excluded), key=lambda e: e.id)


def _request_problems(request: DrawRequest) -> list[Problem]:
    problems = []
    pool_size = len(_pool(request))
    if (request.count is None) == (request.ratio_by_class is None):
        problems.append(Problem(("count",), "count_or_ratio"))
    elif request.count is not None and not 0 <= request.count <= pool_size:
        problems.append(
            Problem(
                ("count",),
                "draw_count_out_of_range",
                pool_size=pool_size,
            )
        )
    for risk_class, ratio in (request.ratio_by_class or {}).items():
        if risk_class not in set(RiskClass):
            problems.append(Problem(("ratio_by_class", str(risk_class)), "unknown_risk_class"))
        elif not 0 <= ratio <= 1:
            problems.append(Problem(("ratio_by_class", str(risk_class)), "draw_ratio_out_of_range"))
    for kind, ids in (
        ("enterprises", [e.id for e in request.enterprises]),
        ("inspectors", [i.id for i in request.inspectors]),
    ):
        for duplicate in sorted(x for x, n in Counter(ids).items() if n > 1):
            problems.append(Problem((kind, duplicate), "duplicate_id"))
    if request.team_size < 2:
        problems.append(Problem(("team_size",), "team_size_too_small"))
    return problems + _exclusion_problems(request)


def freeze_pool(request: DrawRequest) -> str:
    """Step one of a draw: check the pool (everything but the seed) and return its `inputs_hash`, to be
    stored and published before any seed exists. Raises with every problem of the pool."""
    raise_if_any(_request_problems(request))
    return inputs_hash(request)


def _select(request: DrawRequest, rng: random.Random) -> list[DrawEnterprise]:
    pool = _pool(request)
    if request.count is not None:
        return rng.sample(pool, request.count)
    ratios = {RiskClass(k): v for k, v in (request.ratio_by_class or {}).items()}
    chosen = []
    for risk_class in RISK_ORDER:
        class_pool = [e for e in pool if e.risk_class == risk_class]
        # ceil(ratio × pool); the epsilon keeps 0.1 × 30 at 3 despite binary floating point.
        k = math.ceil(ratios.get(risk_class, 0.0) * len(class_pool) - 1e-9)
        chosen.extend(rng.sample(class_pool, k))
    return chosen


def _eligible(request: DrawRequest, enterprise: DrawEnterprise) -> list[DrawInspector]:
    return [
        i
        for i in sorted(request.inspectors, key=lambda i: i.id)
        if (i.id, enterprise.id) not in request.conflicts
        and not (request.cross_inspection and i.county_code == enterprise.county_code)
    ]


@dataclass
class _Rotation:
    """Who has worked how much, and which pairs have worked together — in this draw and before it."""

    load: dict[str, int]
    used: Counter[frozenset[str]]
    before: Counter[frozenset[str]]
    last_before: dict[frozenset[str], date]

    @classmethod
    def start(cls, request: DrawRequest) -> "_Rotation":
        before: Counter[frozenset[str]] = Counter()
        last: dict[frozenset[str], date] = {}
        for past in request.recent:
            for pair in map(frozenset, combinations(sorted(set(past.inspector_ids)), 2)):
                before[pair] += 1
                last[pair] = max(last.get(pair, past.drawn_on), past.drawn_on)
        return cls({i.id: 0 for i in request.inspectors}, Counter(), before, last)

    def pair_key(self, pair: frozenset[str]) -> tuple[int, int]:
        """Fewer uses in earlier draws first, then the one used longest ago (never used: first of all)."""
        last = self.last_before.get(pair)
        return self.before[pair], last.toordinal() if last else 0

    def take(self, team: tuple[str, ...]) -> None:
        for member in team:
            self.load[member] += 1
        for pair in combinations(team, 2):
            self.used[frozenset(pair)] += 1


def _pick_team(candidates: list[str], rotation: _Rotation, size: int) -> tuple[str, ...] | None:
    """Pairs rotate: the pair used least in this draw; among those, the first inspector in `candidates`
    (least loaded, ties by the seeded shuffle), then the least loaded partner, the pair used least and
    longest ago in earlier draws, then candidate order. A larger team adds members the same way. With fresh
    pairs and no history this is the first unused pair in candidate order, as in the first draws.
    """
    if len(candidates) < size:
        return None
    position = {c: n for n, c in enumerate(candidates)}
    first, fewest = candidates[0], None
    for n, c in enumerate(candidates):  # the first inspector of a pair used least in this draw
        for d in candidates[n + 1 :]:
            uses = rotation.used[frozenset((c, d))]
            if fewest is None or uses < fewest:
                first, fewest = c, uses
            if uses == 0:
                break
        if fewest == 0:
            break
    team = [first]
    while len(team) < size:
        rest = [c for c in candidates if c not in team and (len(team) > 1 or position[c] > position[first])]
        rest = rest or [c for c in candidates if c not in team]
        team.append(
            min(
                rest,
                key=lambda c: (
                    max(rotation.used[frozenset((m, c))] for m in team),
                    rotation.load[c],
                    max(rotation.pair_key(frozenset((m, c))) for m in team),
                    position[c],
                ),
            )
        )
    return tuple(team)


def draw(request: DrawRequest, *, frozen_hash: str | None = None) -> DrawResult:
    """计划 三、六 双随机抽查: pick enterprises at random from the pool less its exclusions (by count, or
    ceil(ratio × class pool) per class), then give each a team of `team_size` distinct inspectors: never a
    conflicted one (回避), none from the enterprise's own county in a cross-inspection. Pairs rotate: a pair
    works again only once every pair open to that enterprise has worked as often (and then the one of earlier
    draws used least and longest ago); least-loaded inspectors first, ties broken by the seeded generator.
    Most-constrained enterprises are staffed first. Reproducible from the seed.

    Step two of a draw: with `frozen_hash` (from `freeze_pool`) the pool must not have changed since.
    """
    problems = _request_problems(request)
    if request.seed is None:
        problems.append(Problem(("seed",), "draw_seed_missing"))
    if frozen_hash is not None and frozen_hash != inputs_hash(request):
        problems.append(Problem(("inputs_hash",), "draw_pool_changed"))
    raise_if_any(problems)
    assert request.seed is not None
    rng = random.Random(request.seed)
    chosen = _select(request, rng)
    eligible = {e.id: [i.id for i in _eligible(request, e)] for e in chosen}
    rotation = _Rotation.start(request)
    assignments = []
    for enterprise in sorted(chosen, key=lambda e: (len(eligible[e.id]), e.id)):
        candidates = list(eligible[enterprise.id])
        rng.shuffle(candidates)
        candidates.sort(key=lambda inspector_id: rotation.load[inspector_id])
        team = _pick_team(candidates, rotation, request.team_size)
        if team is None:
            problems.append(
                Problem(
                    ("enterprises", enterprise.id),
                    "too_few_eligible_inspectors",
                    id=enterprise.id,
                    team_size=request.team_size,
                )
            )
            continue
        rotation.take(team)
        assignments.append(Assignment(enterprise.id, tuple(sorted(team))))
    raise_if_any(problems)
    return DrawResult(
        seed=request.seed,
        inputs_hash=inputs_hash(request),
        assignments=tuple(sorted(assignments, key=lambda a: a.enterprise_id)),
    )


def verify_draw(request: DrawRequest, result: DrawResult) -> bool:
    """Re-run the draw from the same request and seed; True when it gives exactly this result."""
    try:
        return draw(request) == result
    except RuleViolation:
        return False

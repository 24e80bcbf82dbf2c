"""Rule 13: the double-random draw 双随机 — random enterprises, random inspectors, reproducible by seed."""

import hashlib
import json
import math
import random
from dataclasses import dataclass

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
class DrawRequest:
    """Give exactly one of `count` (enterprises in all) or `ratio_by_class` (share of each class's pool).

    `conflicts` holds (inspector_id, enterprise_id) pairs that must not meet (回避).
    """

    seed: int
    enterprises: tuple[DrawEnterprise, ...]
    inspectors: tuple[DrawInspector, ...]
    count: int | None = None
    ratio_by_class: dict[RiskClass, float] | None = None
    cross_inspection: bool = False
    conflicts: frozenset[tuple[str, str]] = frozenset()


@dataclass(frozen=True)
class Assignment:
    enterprise_id: str
    inspector_ids: tuple[str, str]


@dataclass(frozen=True)
class DrawResult:
    seed: int
    inputs_hash: str
    assignments: tuple[Assignment, ...]


def inputs_hash(request: DrawRequest) -> str:
    """sha256 of the canonical JSON of everything but the seed, so the pool can be published (and its
    hash fixed) before the seed is drawn. Independent of the order the inputs were given in.
    """
    ratios = request.ratio_by_class
    canonical = {
        "enterprises": sorted([e.id, e.county_code, str(e.risk_class)] for e in request.enterprises),
        "inspectors": sorted([i.id, i.county_code] for i in request.inspectors),
        "count": request.count,
        "ratio_by_class": None if ratios is None else {str(k): float(v) for k, v in sorted(ratios.items())},
        "cross_inspection": request.cross_inspection,
        "conflicts": sorted([inspector, enterprise] for inspector, enterprise in request.conflicts),
    }
    text = json.dumps(canonical, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _request_problems(request: DrawRequest) -> list[Problem]:
    problems = []
    if (request.count is None) == (request.ratio_by_class is None):
        problems.append(Problem(("count",), "须且只能指定抽取数量或抽取比例之一 (give count or ratio)"))
    elif request.count is not None and not 0 <= request.count <= len(request.enterprises):
        problems.append(
            Problem(
                ("count",),
                f"抽取数量应在0至{len(request.enterprises)}之间 "
                f"(count must be between 0 and the pool size {len(request.enterprises)})",
            )
        )
    for risk_class, ratio in (request.ratio_by_class or {}).items():
        if risk_class not in set(RiskClass):
            problems.append(Problem(("ratio_by_class", str(risk_class)), "未知的风险类别 (unknown risk class)"))
        elif not 0 <= ratio <= 1:
            problems.append(Problem(("ratio_by_class", str(risk_class)), "抽取比例应在0至1之间 (ratio must be 0..1)"))
    for kind, ids in (
        ("enterprises", [e.id for e in request.enterprises]),
        ("inspectors", [i.id for i in request.inspectors]),
    ):
        for duplicate in sorted({x for x in ids if ids.count(x) > 1}):
            problems.append(Problem((kind, duplicate), "重复的编号 (duplicate id)"))
    return problems


def _select(request: DrawRequest, rng: random.Random) -> list[DrawEnterprise]:
    pool = sorted(request.enterprises, key=lambda e: e.id)
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


def _pick_pair(candidates: list[str], used: set[frozenset[str]]) -> tuple[str, str] | None:
    for n, first in enumerate(candidates):
        for second in candidates[n + 1 :]:
            if frozenset((first, second)) not in used:
                return first, second
    return None


def draw(request: DrawRequest) -> DrawResult:
    """计划 三、六 双随机抽查: pick enterprises at random (by count, or ceil(ratio × class pool) per class),
    then give each two distinct inspectors: never a conflicted one (回避), none from the enterprise's own
    county in a cross-inspection, never the same pair twice; least-loaded inspectors first, ties broken
    by the seeded generator. Most-constrained enterprises are staffed first. Reproducible from the seed.
    """
    raise_if_any(_request_problems(request))
    rng = random.Random(request.seed)
    chosen = _select(request, rng)
    eligible = {e.id: [i.id for i in _eligible(request, e)] for e in chosen}
    load = {i.id: 0 for i in request.inspectors}
    used: set[frozenset[str]] = set()
    assignments, problems = [], []
    for enterprise in sorted(chosen, key=lambda e: (len(eligible[e.id]), e.id)):
        candidates = list(eligible[enterprise.id])
        rng.shuffle(candidates)
        candidates.sort(key=lambda inspector_id: load[inspector_id])
        pair = _pick_pair(candidates, used)
        if pair is None:
            problems.append(
                Problem(
                    ("enterprises", enterprise.id),
                    f"可选检查人员不足，无法为企业{enterprise.id}安排2名检查人员 "
                    "(not enough eligible inspectors for this enterprise)",
                )
            )
            continue
        used.add(frozenset(pair))
        for inspector_id in pair:
            load[inspector_id] += 1
        assignments.append(Assignment(enterprise.id, tuple(sorted(pair))))
    if problems:
        raise RuleViolation(problems)
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

"""The generated province of benchmarks/province.py (issue 17): reproducible from its seed, with
valid codes, every grade, type and ownership, the province's and its cities' regions, and about
a fifth of its hospitals failing when checked."""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from pathlib import Path

from benchmarks.province import (
    GRADES,
    OWNERSHIP,
    TYPES,
    applies_to,
    in_time_scope,
    make_province,
    write_province,
)
from compliance.ingest.identities import check_institution_code
from compliance.pipeline.check import get_profile, run_check
from compliance.results.periods import parse_period
from compliance.rules.spec import Catalog


def _digests(folder: Path) -> dict[str, str]:
    return {str(path.relative_to(folder)): hashlib.sha256(path.read_bytes()).hexdigest()
            for path in sorted(folder.rglob("*.xlsx"))}


def test_the_same_seed_gives_the_same_bytes(tmp_path: Path, catalog: Catalog) -> None:
    first, second, other = (make_province("510000", 30, seed) for seed in (7, 7, 8))
    assert first == second and first != other
    write_province(first, ["2025Q1", "2025Q2"], tmp_path / "a", catalog=catalog, seed=7)
    write_province(second, ["2025Q1", "2025Q2"], tmp_path / "b", catalog=catalog, seed=7)
    assert _digests(tmp_path / "a") == _digests(tmp_path / "b")
    assert len(_digests(tmp_path / "a")) == 2 * (30 + len(first.regions))


def test_a_province_has_every_kind_of_hospital_and_valid_codes() -> None:
    province = make_province("510000", 600, 1)
    assert {h.grade for h in province.hospitals} == {name for name, _ in GRADES}
    assert {h.type for h in province.hospitals} == {name for name, _ in TYPES}
    assert {h.ownership for h in province.hospitals} == {name for name, _ in OWNERSHIP}
    assert all(check_institution_code(h.code).usable for h in province.hospitals)
    assert len({h.code for h in province.hospitals}) == 600
    assert all(h.code[2:8] == h.county_code and h.county_code[:4] == h.city_code[:4] for h in province.hospitals)
    assert province.regions[0].code == "510000" and {r.level for r in province.regions} == {"省", "市"}
    assert 0.1 < sum(not h.compliant for h in province.hospitals) / 600 < 0.3


def test_a_generated_quarter_checks_as_designed(tmp_path: Path, catalog: Catalog) -> None:
    province = make_province("510000", 120, 3)
    [written] = write_province(province, ["2025Q4"], tmp_path, catalog=catalog, seed=3, data_problems=0.05)
    result = run_check(catalog, get_profile(catalog, "auto"), [tmp_path / "2025Q4"], workers=0)
    assert not result.refused and len(result.subjects) == 120 + len(province.regions)
    problems = Counter(problem.code for problem in result.problems)
    assert problems["not_a_number"] == written.data_problems > 0
    counts = result.problem_counts()  # one pass; the same as asking file by file
    assert all(counts.get(o.file, 0) == len(result.problems_in(o.file)) for o in result.outcomes)
    failing = {f.subject_id for f in result.findings if f.status.value in ("fail", "warn") and len(f.subject_id) == 18}
    rules = [rule for rule in catalog.rules_for(get_profile(catalog, "auto"))
             if rule.applies.level == "hospital" and rule.jurisdiction.province == "四川省"
             and in_time_scope(rule, parse_period("2025Q4"))]
    drawn = {h.code for h in province.hospitals if not h.compliant and any(applies_to(r, h) for r in rules)}
    assert failing <= drawn and len(failing) >= len(drawn) * 0.8  # each fails at least one rule that applies
    region = next(s for s in result.subjects if s.subject.code == "510000")
    assert len(region.members) == 120  # every hospital counts towards the province
    assert json.dumps([f.status.value for f in region.findings])  # the province is judged

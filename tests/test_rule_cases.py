"""Every rule's cases from tests/cases/*.yaml: pass, fail, boundary, missing and more."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from compliance.evaluation.evaluate import check_submissions
from compliance.pipeline.check import load_default_catalog
from compliance.rules.spec import Profile

from .conftest import ROOT, as_date, make_submission

CASES_DIR = Path(__file__).parent / "cases"
REQUIRED_CASES = {"pass", "fail", "boundary", "missing"}


def _load_cases() -> dict[str, list[dict[str, Any]]]:
    cases: dict[str, list[dict[str, Any]]] = {}
    for path in sorted(CASES_DIR.glob("*.yaml")):
        for rule_id, rule_cases in yaml.safe_load(path.read_text(encoding="utf-8")).items():
            cases.setdefault(rule_id, []).extend(rule_cases)
    return cases


CASES = _load_cases()
PARAMS = [
    pytest.param(rule_id, case, id=f"{rule_id}-{index}-{case['case']}")
    for rule_id, rule_cases in CASES.items()
    for index, case in enumerate(rule_cases)
]


@pytest.mark.parametrize(("rule_id", "case"), PARAMS)
def test_rule_case(catalog, rule_id: str, case: dict[str, Any]) -> None:
    rule = catalog.rule(rule_id)
    profile = Profile(name="case", title="case", description="", subject_levels=(rule.applies.level,),
                      packs=(rule.pack,), rule_ids=(rule_id,), benchmark=case.get("benchmark", True))
    submission = make_submission(case.get("subject"), case.get("current"), case.get("prior"), case.get("tables"))
    members = [
        make_submission(dict({"code": f"H{index:03d}", "name": f"成员医院{index}"}, **member.get("subject", {})),
                        member.get("current"), member.get("prior"), member.get("tables"), name=f"member{index}.xlsx")
        for index, member in enumerate(case.get("members", []), start=1)
    ]
    as_of = as_date(case.get("as_of"))
    [result, *_] = check_submissions(catalog, profile, [submission, *members], as_of)
    found = [f for f in result.findings if f.rule_id == rule_id]
    assert found, (f"no finding: the case's subject is a {submission.subject.level} but {rule_id} applies to "
                   f"{rule.applies.level} subjects; set subject: {{level: {rule.applies.level}}}")
    [finding] = found
    expect = case["expect"]
    assert finding.status.value == expect["status"], finding.message
    for key in ("observed", "gap", "gap_amount"):
        if key in expect:
            assert getattr(finding, key) == pytest.approx(expect[key], abs=1e-6), (key, finding.message)
    if "message_contains" in expect:
        assert expect["message_contains"] in finding.message
    if "failing_items" in expect:
        failing = [item.label for item in finding.items if item.status.value in ("fail", "warn")]
        assert failing == expect["failing_items"]
    if "item_note_contains" in expect:
        assert any(expect["item_note_contains"] in item.note for item in finding.items), [i.note for i in finding.items]
    assert finding.rule_id == rule_id
    assert finding.citation.quote == rule.citation.quote
    assert finding.message


def test_every_rule_has_required_cases() -> None:
    catalog = load_default_catalog(ROOT)
    lacking = {}
    for rule in catalog.rules:
        kinds = {case["case"] for case in CASES.get(rule.id, [])}
        if not REQUIRED_CASES <= kinds:
            lacking[rule.id] = sorted(REQUIRED_CASES - kinds)
    assert not lacking, f"rules without pass/fail/boundary/missing cases: {lacking}"


def test_cases_name_only_known_rules(catalog) -> None:
    known = {rule.id for rule in catalog.rules}
    assert set(CASES) <= known, set(CASES) - known


def test_findings_name_the_cells_inputs_came_from(catalog) -> None:
    rule = catalog.rule("gansu-2020h2.incentive-share-of-performance-pay")
    profile = Profile("p", "p", "", ("hospital",), (rule.pack,), (rule.id,), True)
    submission = make_submission(current={"total_performance_pay": 1500, "incentive_performance_pay": 780})
    [result] = check_submissions(catalog, profile, [submission])
    sources = {item.field: item.source for item in result.findings[0].inputs}
    assert sources == {"total_performance_pay": "指标!D3", "incentive_performance_pay": "指标!D4"}

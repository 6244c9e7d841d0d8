"""Every rule's cases from tests/cases/*.yaml: pass, fail, boundary, missing and more."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from compliance.pipeline.check import evaluate_submissions, load_default_catalog
from compliance.results.findings import Finding
from compliance.results.quantities import Quantity
from compliance.results.status import Status
from compliance.rules.spec import Profile
from compliance.wording import findings as worded

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
    [result, *_] = evaluate_submissions(catalog, profile, [submission, *members], as_of).subjects
    found = [f for f in result.findings if f.rule_id == rule_id]
    assert found, (f"no finding: the case's subject is a {submission.subject.level} but {rule_id} applies to "
                   f"{rule.applies.level} subjects; set subject: {{level: {rule.applies.level}}}")
    [finding] = found
    expect = case["expect"]
    message = worded.message(finding, "zh")
    assert finding.status.value == expect["status"], message
    for key, value in _measured(finding).items():
        if key in expect:
            assert value == pytest.approx(expect[key], abs=1e-6), (key, message)
    if "message_contains" in expect:
        assert expect["message_contains"] in message
    if "failing_items" in expect:
        failing = [item.label for item in finding.items if item.status.value in ("fail", "warn")]
        assert failing == expect["failing_items"]
    if "item_note_contains" in expect:
        label = worded.gap_amount_label(finding, "zh")
        notes = [worded.item_note(item, "zh", label) for item in finding.items]
        assert any(expect["item_note_contains"] in note for note in notes), notes
    assert finding.rule_id == rule_id and finding.rule_digest == rule.digest
    assert finding.citation.quote == rule.citation.quote
    assert message and worded.message(finding, "en")


def _value(quantity: Quantity | None) -> object:
    """A quantity's value as the cases write it: a number (a missing gap is 0), or yes/no."""
    if quantity is None:
        return 0.0
    return quantity.value


def _measured(finding: Finding) -> dict[str, object]:
    """The values a case may expect: observed, gap, gap_amount, and per kind days_late (a deadline:
    negative when done early) and failing_units (every unit of a region)."""
    measured: dict[str, object] = {"observed": _value(finding.observed), "gap": _value(finding.gap),
                                   "gap_amount": _value(finding.gap_amount)}
    if "days_late" in finding.details:
        measured["days_late"] = finding.details["days_late"]
    if finding.kind == "all":
        measured["failing_units"] = sum(1 for item in finding.items if item.status in (Status.FAIL, Status.WARN))
    return measured


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
    [result] = evaluate_submissions(catalog, profile, [submission]).subjects
    sources = {item.field: item.source for item in result.findings[0].inputs}
    assert sources == {"total_performance_pay": "指标!D3", "incentive_performance_pay": "指标!D4"}

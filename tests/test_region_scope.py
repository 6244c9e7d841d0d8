"""Region totals over a region's hospitals, limited to the hospitals a rule counts (applies_to.hospitals):
a private hospital in the batch never changes a public-hospital requirement's verdict."""

from __future__ import annotations

from typing import Any

import pytest

from compliance.pipeline.check import evaluate_submissions
from compliance.results.status import Reason, Status
from compliance.rules.spec import Catalog, Profile, Rule
from compliance.wording import findings as worded

from .conftest import load_default_catalog, make_submission
from .test_rule_cases import CASES

PUBLIC_WORDS = ("公立医院", "公立医疗机构")


def _summed_fields(catalog: Catalog, rule: Rule) -> tuple[str, ...]:
    fields = catalog.fields
    return tuple(code for code in rule.spec.fields_used() if fields[code].aggregate == "sum")


def _public_region_rules() -> list[Rule]:
    catalog = load_default_catalog()
    return [rule for rule in catalog.rules if rule.applies.level == "region" and _summed_fields(catalog, rule)
            and any(word in rule.citation.quote + rule.title for word in PUBLIC_WORDS)]


PUBLIC_REGION_RULES = _public_region_rules()


def test_there_are_public_hospital_region_rules() -> None:
    assert len(PUBLIC_REGION_RULES) >= 1


@pytest.mark.parametrize("rule", PUBLIC_REGION_RULES, ids=lambda rule: rule.id)
def test_every_public_hospital_region_rule_counts_only_public_hospitals(rule: Rule) -> None:
    filters = {f.key: f.values for f in rule.applies.hospitals}
    assert filters.get("ownership") == ("public",), f"{rule.id}: add applies_to.hospitals: {{ownership: [public]}}"


def _place(rule: Rule) -> dict[str, Any]:
    return {"province": rule.jurisdiction.province,
            "city": rule.jurisdiction.city or {"四川省": "成都市", "甘肃省": "兰州市", "河北省": "石家庄市"}.get(
                rule.jurisdiction.province)}


def _split(values: dict[str, Any], summed: tuple[str, ...], share: float) -> dict[str, Any]:
    return {code: value * share for code, value in values.items() if code in summed}


def _evaluate(catalog: Catalog, rule: Rule, region: dict[str, Any], members: list[dict[str, Any]]):
    profile = Profile(name="scope", title="scope", description="", subject_levels=("region",), packs=(rule.pack,),
                      rule_ids=(rule.id,))
    period = str(rule.scope_start.year if rule.scope_end else 2024) if rule.scope_start else "2024"
    period = str(max(int(period), rule.effective_from.year)) if rule.effective_from else period
    place = _place(rule)
    submission = make_submission({"level": "region", "period": period, **place}, region.get("current"),
                                 region.get("prior"))
    hospitals = [make_submission({"code": f"H{index}", "name": member["name"], "ownership": member["ownership"],
                                  "period": period, **place}, member["current"], member["prior"],
                                 name=f"h{index}.xlsx")
                 for index, member in enumerate(members, start=1)]
    [result, *_] = evaluate_submissions(catalog, profile, [submission, *hospitals]).subjects
    [finding] = [f for f in result.findings if f.rule_id == rule.id]
    return finding


def _hospitals_of(catalog: Catalog, rule: Rule, case: dict[str, Any]) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """The case as a region (its own values that are not summed) and two public hospitals holding
    the summed values (the case's own members, or its region values split in half)."""
    summed = _summed_fields(catalog, rule)
    current, prior = case.get("current") or {}, case.get("prior") or {}
    region = {"current": {k: v for k, v in current.items() if k not in summed},
              "prior": {k: v for k, v in prior.items() if k not in summed}}
    if case.get("members"):
        region = {"current": current, "prior": prior}
        publics = [{"current": member.get("current") or {}, "prior": member.get("prior") or {}}
                   for member in case["members"]]
    else:
        publics = [{"current": _split(current, summed, 0.5), "prior": _split(prior, summed, 0.5)}] * 2
    return region, [dict(hospital, name=f"公立{index}号医院", ownership="public")
                    for index, hospital in enumerate(publics, start=1)]


def _private_hospital(publics: list[dict[str, Any]]) -> dict[str, Any]:
    """A private hospital far larger than the public ones, growing ninefold."""
    current: dict[str, float] = {}
    prior: dict[str, float] = {}
    for hospital in publics:
        for code, value in hospital["current"].items():
            current[code] = current.get(code, 0) + value * 9
        for code, value in hospital["prior"].items():
            prior[code] = prior.get(code, 0) + value
    return {"name": "民营丙医院", "ownership": "private", "current": current, "prior": prior}


@pytest.mark.parametrize("rule", PUBLIC_REGION_RULES, ids=lambda rule: rule.id)
@pytest.mark.parametrize("case_name", ["pass", "fail"])
def test_one_private_and_two_public_hospitals(catalog, rule: Rule, case_name: str) -> None:
    """The region's total is summed over the public hospitals only: the verdict and the measured
    value are those of the case, whatever the private hospital reports."""
    case = next(c for c in CASES[rule.id] if c["case"] == case_name)
    region, publics = _hospitals_of(catalog, rule, case)
    finding = _evaluate(catalog, rule, region, [*publics, _private_hospital(publics)])
    message = worded.message(finding, "zh")
    assert finding.status.value == case["expect"]["status"], message
    if "observed" in case["expect"]:
        assert finding.observed is not None and finding.observed.value == pytest.approx(case["expect"]["observed"],
                                                                                         abs=1e-6), message
    assert [(h.name, h.counted, h.attribute, h.value) for h in finding.hospitals] == [
        *((h["name"], True, "", None) for h in publics), ("民营丙医院", False, "ownership", "private")]
    assert f"计入 {len(publics)} 家医院" in message and "未计入 1 家：民营丙医院（所有制：非公立）" in message, message
    assert "民营丙医院 (ownership: " in worded.message(finding, "en")


@pytest.mark.parametrize("rule", PUBLIC_REGION_RULES[:1], ids=lambda rule: rule.id)
def test_a_hospital_without_its_ownership_leaves_the_total_undecided(catalog, rule: Rule) -> None:
    case = next(c for c in CASES[rule.id] if c["case"] == "pass")
    region, publics = _hospitals_of(catalog, rule, case)
    unknown = dict(publics[0], name="某医院", ownership=None)
    finding = _evaluate(catalog, rule, region, [*publics, unknown])
    assert (finding.status, finding.reason) == (Status.MISSING_DATA, Reason.HOSPITAL_ATTRIBUTE_MISSING)
    assert finding.details["hospitals"] == ("某医院",)
    assert "某医院 未填写所有制" in worded.message(finding, "zh")

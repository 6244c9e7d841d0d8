"""Every rule kind on a small test pack (tests/data), independent of the policy packs."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from compliance.pipeline.check import evaluate_submissions
from compliance.results.findings import Finding
from compliance.results.quantities import UNITS
from compliance.rules.loader import load_catalog
from compliance.wording import findings as worded

from .conftest import as_date, make_submission

DATA = Path(__file__).parent / "data"


@pytest.fixture(scope="module")
def test_catalog():
    return load_catalog(DATA / "rules", DATA / "checks")


def _check(catalog: Any, rule: str, subject: dict[str, Any] | None = None, current: dict[str, Any] | None = None,
           prior: dict[str, Any] | None = None, tables: dict[str, Any] | None = None,
           members: list[dict[str, Any]] | None = None, as_of: str | None = None) -> Finding:
    from dataclasses import replace

    profile = replace(catalog.profiles["kindtest"], rule_ids=(f"kindtest.{rule}",))
    main = make_submission(subject, current, prior, tables)
    others = [make_submission(dict({"code": f"H{i}", "name": f"医院{i}"}, **m.get("subject", {})), m.get("current"),
                              m.get("prior"), name=f"h{i}.xlsx") for i, m in enumerate(members or [], start=1)]
    results = evaluate_submissions(catalog, profile, [main, *others], as_date(as_of)).subjects
    [finding] = results[0].findings
    return finding


def message(finding: Finding) -> str:
    return worded.message(finding, "zh")


@pytest.mark.parametrize(("service", "status"), [(35, "pass"), (37, "pass"), (33, "pass"), (37.1, "fail"), (32.9, "fail")])
def test_approx_within_tolerance(test_catalog, service: float, status: str) -> None:
    finding = _check(test_catalog, "service-share-approx", current={"service_revenue": service, "medical_revenue": 100})
    assert finding.status.value == status, message(finding)
    assert "35.0% 左右（±2.0 个百分点）" in worded.required(finding, "zh")
    assert worded.required(finding, "en") == "about 35.0% (± 2.0 pp)"


@pytest.mark.parametrize(("now", "before", "status"), [(36, 35, "pass"), (35, 35, "fail"), (34, 35, "fail"), (None, 35, "missing_data")])
def test_yoy_increase(test_catalog, now: float | None, before: float, status: str) -> None:
    finding = _check(test_catalog, "service-share-up", current={"service_revenue": now, "medical_revenue": 100},
                     prior={"service_revenue": before, "medical_revenue": 100})
    assert finding.status.value == status, message(finding)
    if status == "pass":
        assert finding.observed.value == pytest.approx(0.01) and "上年同期 35.0%" in message(finding)
        assert finding.observed.unit == "pp" and worded.observed(finding, "zh") == "+1.0 个百分点"


@pytest.mark.parametrize(("now", "gap_text"), [(35, "—"), (34, "1.0 个百分点")])
def test_yoy_increase_gap_of_an_unchanged_value_is_no_amount(test_catalog, now: float, gap_text: str) -> None:
    """持平 misses a required rise at its bound: there is nothing to make up, so no "0" gap."""
    finding = _check(test_catalog, "service-share-up", current={"service_revenue": now, "medical_revenue": 100},
                     prior={"service_revenue": 35, "medical_revenue": 100})
    assert finding.status.value == "fail" and worded.gap(finding, "zh") == gap_text
    assert ("持平" in message(finding)) == (now == 35)


def test_yoy_without_last_year_is_missing(test_catalog) -> None:
    finding = _check(test_catalog, "service-share-up", current={"service_revenue": 36, "medical_revenue": 100})
    assert finding.status.value == "missing_data" and "上年同期" in message(finding)
    assert finding.reason.value == "missing_input"


@pytest.mark.parametrize(("now", "status"), [(90, "pass"), (100, "warn"), (110, "warn")])
def test_yoy_decrease_soft_wording_warns(test_catalog, now: float, status: str) -> None:
    finding = _check(test_catalog, "revenue-down", current={"medical_revenue": now}, prior={"medical_revenue": 100})
    assert finding.status.value == status


@pytest.mark.parametrize(("values", "status"), [
    ({"has_charter": True, "charter_evidence": "院发〔2024〕3号"}, "pass"),
    ({"has_charter": False}, "fail"),
    ({"has_charter": True}, "missing_data"),
    ({}, "missing_data"),
])
def test_boolean_attestation_with_evidence(test_catalog, values: dict[str, Any], status: str) -> None:
    finding = _check(test_catalog, "charter", current=values)
    assert finding.status.value == status, message(finding)


@pytest.mark.parametrize(("values", "as_of", "status", "gap"), [
    ({"pooling_done": True, "pooling_date": "2020-12-31", "pooling_evidence": "文件"}, None, "pass", 0),
    ({"pooling_done": True, "pooling_date": "2021-01-10", "pooling_evidence": "文件"}, None, "fail", 10),
    ({"pooling_done": False}, None, "fail", None),
    ({"pooling_done": False}, "2020-06-30", "not_due", None),
    ({"pooling_done": True, "pooling_evidence": "文件"}, None, "missing_data", None),
    ({}, None, "missing_data", None),
])
def test_deadline(test_catalog, values: dict[str, Any], as_of: str | None, status: str, gap: float | None) -> None:
    finding = _check(test_catalog, "city-pooling", subject={"level": "region"}, current=values, as_of=as_of)
    assert finding.status.value == status, message(finding)
    if gap is not None:
        assert (finding.gap.value if finding.gap else 0) == gap


def test_all_units_lists_the_failing_ones(test_catalog) -> None:
    villages = [{"village_name": "东村", "clinic_count": 1}, {"village_name": "西村", "clinic_count": 0},
                {"village_name": "南村", "clinic_count": 2}]
    finding = _check(test_catalog, "village-clinic", subject={"level": "region"}, tables={"villages": villages})
    assert finding.status.value == "fail" and "西村" in message(finding) and "东村" not in message(finding)
    assert [i.label for i in finding.items if i.status.value == "fail"] == ["西村"]
    villages[1]["clinic_count"] = 1
    assert _check(test_catalog, "village-clinic", subject={"level": "region"},
                  tables={"villages": villages}).status.value == "pass"
    assert _check(test_catalog, "village-clinic", subject={"level": "region"}).status.value == "missing_data"


def test_share_of_units_over_the_regions_hospitals(test_catalog) -> None:
    members = [{"current": {"in_alliance": True}} for _ in range(9)] + [{"current": {"in_alliance": False}}]
    members.append({"subject": {"ownership": "private"}, "current": {"in_alliance": False}})  # filtered out
    members.append({"subject": {"city": "齐齐哈尔市"}, "current": {"in_alliance": False}})  # not in the region
    finding = _check(test_catalog, "alliance-share", subject={"level": "region"}, members=members)
    assert finding.status.value == "pass" and finding.observed.value == pytest.approx(0.9), message(finding)
    members[0]["current"]["in_alliance"] = False
    finding = _check(test_catalog, "alliance-share", subject={"level": "region"}, members=members)
    assert finding.status.value == "fail" and finding.gap_amount.value == 1 and "医院1" in message(finding)
    assert finding.gap_amount.unit == UNITS and worded.gap_amount(finding, "en") == "1 unit"
    # The share is in %, each hospital's value is a plain number: never "100.0%" for a 1.
    assert finding.unit == "%" and {item.observed.unit for item in finding.items} == {""}


def test_a_unit_missing_a_value_names_the_column_not_its_code(test_catalog) -> None:
    villages = [{"village_name": "东村", "clinic_count": 1}, {"village_name": "西村"}]
    finding = _check(test_catalog, "village-clinic", subject={"level": "region"}, tables={"villages": villages})
    assert finding.status.value == "missing_data"
    [item] = [i for i in finding.items if i.status.value == "missing_data"]
    assert worded.item_note(item, "zh") == "缺少：村卫生室数" and "clinic_count" not in message(finding)


def test_every_unit_rule_keeps_its_unit_on_the_items(test_catalog) -> None:
    villages = [{"village_name": "东村", "clinic_count": 1}, {"village_name": "西村", "clinic_count": 0}]
    finding = _check(test_catalog, "village-clinic", subject={"level": "region"}, tables={"villages": villages})
    assert {item.observed.unit for item in finding.items} == {"个"}
    # The finding counts units: 1 of 2 meets it, 1 misses it; never a percentage.
    assert finding.observed.unit == UNITS and finding.observed.value == 1 and finding.observed.of == 2
    assert finding.gap.unit == UNITS and finding.gap.value == 1
    assert worded.observed(finding, "zh") == "1/2 个单位达标" and worded.gap(finding, "en") == "1 unit"


def test_region_growth_summed_from_hospitals_names_the_hospitals_above_the_cap(test_catalog) -> None:
    members = [
        {"subject": {"name": "甲医院"}, "current": {"medical_revenue": 130}, "prior": {"medical_revenue": 100}},
        {"subject": {"name": "乙医院"}, "current": {"medical_revenue": 100}, "prior": {"medical_revenue": 100}},
    ]
    finding = _check(test_catalog, "city-growth", subject={"level": "region"}, members=members)
    assert finding.status.value == "fail" and finding.observed.value == pytest.approx(0.15), message(finding)
    assert "甲医院" in message(finding) and "乙医院" not in message(finding)
    assert [c.name for c in finding.contributors] == ["甲医院"]
    assert any(worded.input_source(i, "zh") == "汇总自 2 家医院" for i in finding.inputs)
    assert any(worded.input_source(i, "en") == "summed over 2 hospitals" for i in finding.inputs)
    members[1]["current"] = {}
    finding = _check(test_catalog, "city-growth", subject={"level": "region"}, members=members)
    assert finding.status.value == "missing_data" and "乙医院" in message(finding)


def test_yes_no_requirements_read_yes_and_no_not_numbers(test_catalog) -> None:
    """A yes/no attestation shows 否 against 是 (No against Yes), never "0" against "等于 1"."""
    finding = _check(test_catalog, "charter", current={"has_charter": False})
    assert finding.observed.value is False and finding.required.threshold.value is True and finding.gap is None
    assert (worded.observed(finding, "zh"), worded.required(finding, "zh")) == ("否", "是")
    assert (worded.observed(finding, "en"), worded.required(finding, "en")) == ("No", "Yes")
    assert "要求为“是”" in message(finding) and "required “Yes”" in worded.message(finding, "en")

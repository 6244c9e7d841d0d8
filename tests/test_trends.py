"""Trend classes, key-indicator series and prior-year values from the history store: the pure
stages an audit runs between reading and writing (no database here)."""

from __future__ import annotations

import datetime as dt
import pickle

import pytest

from compliance.evaluation.trends import classify, subject_trend
from compliance.pipeline.check import evaluate_submissions, get_profile
from compliance.results.history import (
    FAILING,
    AuditPoint,
    EarlierSubmission,
    StoredValue,
    SubjectHistory,
    Trend,
)
from compliance.results.identity import Cell
from compliance.results.status import Status

from .conftest import make_submission

GROWTH = "harbin-2017.hospital-medical-cost-growth-cap"
SHARE = "gansu-2020h2.incentive-share-of-performance-pay"


@pytest.mark.parametrize(("previous", "current", "expected"), [
    (None, Status.FAIL, Trend.NEW),
    (None, Status.PASS, Trend.NEW),
    (Status.PASS, Status.FAIL, Trend.NEWLY_FAILING),
    (Status.NOT_DUE, Status.WARN, Trend.NEWLY_FAILING),  # a deadline that arrived
    (Status.PASS, Status.MISSING_DATA, Trend.NEWLY_FAILING),  # no data is never a pass
    (Status.FAIL, Status.PASS, Trend.FIXED),
    (Status.ERROR, Status.WAIVED, Trend.FIXED),  # a waiver covers it now
    (Status.WARN, Status.FAIL, Trend.STILL_FAILING),
    (Status.MISSING_DATA, Status.MISSING_DATA, Trend.STILL_FAILING),
    (Status.PASS, Status.PASS, Trend.STILL_MET),
    (Status.NOT_APPLICABLE, Status.NOT_DUE, Trend.STILL_MET),
])
def test_trend_classes(previous: Status | None, current: Status, expected: Trend) -> None:
    assert classify(previous, current) is expected


def test_failing_is_what_needs_fixing_or_finding_out() -> None:
    assert FAILING == {Status.FAIL, Status.WARN, Status.MISSING_DATA, Status.ERROR}


def _point(period: str, start: dt.date, end: dt.date, rule: str, status: Status, value: object,
           unit: str = "%") -> AuditPoint:
    return AuditPoint(period, start, end, rule, status, value, unit, "<=", 0.1, unit, f"run-{period}")


def _subject(catalog, **current):
    profile = get_profile(catalog, "headline")
    submission = make_submission({"period": "2024"}, current=current,
                                 prior={"total_medical_revenue": 100, "total_medical_expenditure": 100})
    return evaluate_submissions(catalog, profile, [submission]).subjects[0]


def test_subject_trend_against_the_latest_earlier_audit(catalog) -> None:
    subject = _subject(catalog, total_medical_revenue=130, incentive_performance_pay=40, total_performance_pay=100)
    growth = next(f for f in subject.findings if f.rule_id == GROWTH)
    assert growth.status is Status.FAIL
    history = SubjectHistory("hospital", subject.subject.code, (
        _point("2022", dt.date(2022, 1, 1), dt.date(2022, 12, 31), GROWTH, Status.FAIL, 0.2),
        _point("2023", dt.date(2023, 1, 1), dt.date(2023, 12, 31), GROWTH, Status.PASS, 0.05),
    ))
    trend = subject_trend(subject, history)
    assert trend.previous_period == "2023"  # the latest earlier period, not the first
    row = next(r for r in trend.rows if r.rule_id == GROWTH)
    assert (row.trend, row.previous_status, row.status, row.previous_value) == \
        (Trend.NEWLY_FAILING, Status.PASS, Status.FAIL, 0.05)
    assert all(r.trend is Trend.NEW for r in trend.rows if r.rule_id != GROWTH)
    assert not [r for r in trend.rows if r.rule_id.startswith("quality.")]
    (series,) = trend.series
    assert series.rule_id == GROWTH and [p.period for p in series.points] == ["2022", "2023", "2024"]
    assert [p.value for p in series.points][:2] == [0.2, 0.05]
    assert series.points[-1].value == pytest.approx(0.3) and series.points[-1].status is Status.FAIL
    assert pickle.loads(pickle.dumps(trend)) == trend  # a stage's value survives a trip to another process


def test_first_audit_has_no_previous_period_and_no_series(catalog) -> None:
    trend = subject_trend(_subject(catalog, total_medical_revenue=130), None)
    assert trend.previous_period == "" and trend.series == ()
    assert {row.trend for row in trend.rows} == {Trend.NEW}


def test_a_series_needs_the_same_unit_earlier(catalog) -> None:
    subject = _subject(catalog, total_medical_revenue=130)
    history = SubjectHistory("hospital", subject.subject.code, (
        _point("2023", dt.date(2023, 1, 1), dt.date(2023, 12, 31), GROWTH, Status.PASS, 12.0, unit="万元"),))
    assert subject_trend(subject, history).series == ()


def _earlier(code: str, values: dict[str, float]) -> EarlierSubmission:
    return EarlierSubmission("hospital", code, "2023", "store/2023.xlsx", "ab" * 32,
                             tuple(StoredValue(field, value, "万元", Cell("2023.xlsx", "指标", f"D{row}"))
                                   for row, (field, value) in enumerate(values.items(), start=5)))


def test_blank_prior_values_come_from_the_stored_submission_a_year_before(catalog) -> None:
    from compliance.evaluation.quality import check_quality

    submission = make_submission({"period": "2024"}, current={"total_medical_revenue": 110})
    stored = {("hospital", submission.subject.code, "2023"): _earlier(submission.subject.code,
                                                                      {"total_medical_revenue": 100})}
    (checked,) = check_quality(catalog, [submission], stored)
    prior = checked.submission.prior["total_medical_revenue"]
    assert prior.value == 100 and prior.cell == Cell("2023.xlsx", "指标", "D5")
    assert not submission.prior  # the stage returns a new submission; the one given is unchanged
    assert not [f for f in checked.findings if f.rule_id == "quality.prior-year-changed"]


def test_a_restated_prior_value_is_compared_with_the_stored_one(catalog) -> None:
    from compliance.evaluation.quality import check_quality

    submission = make_submission({"period": "2024"}, current={"total_medical_revenue": 110},
                                 prior={"total_medical_revenue": 90})
    stored = {("hospital", submission.subject.code, "2023"): _earlier(submission.subject.code,
                                                                      {"total_medical_revenue": 100})}
    (checked,) = check_quality(catalog, [submission], stored)
    (changed,) = [f for f in checked.findings if f.rule_id == "quality.prior-year-changed"]
    assert changed.status is Status.WARN and changed.details["earlier_period"] == "2023"
    assert changed.details["earlier_file"] == "store/2023.xlsx"
    assert checked.submission.prior["total_medical_revenue"].value == 90  # a stated value is kept, never replaced
    within = make_submission({"period": "2024"}, current={"total_medical_revenue": 110},
                             prior={"total_medical_revenue": 100.4})
    (quiet,) = check_quality(catalog, [within], stored)
    assert not [f for f in quiet.findings if f.rule_id == "quality.prior-year-changed"]  # within 0.5 %


def test_a_stored_value_for_another_period_is_not_used(catalog) -> None:
    from compliance.evaluation.quality import check_quality

    submission = make_submission({"period": "2024Q3"}, current={"total_medical_revenue": 110})
    stored = {("hospital", submission.subject.code, "2023"): _earlier(submission.subject.code,
                                                                      {"total_medical_revenue": 100})}
    (checked,) = check_quality(catalog, [submission], stored)
    assert "total_medical_revenue" not in checked.submission.prior  # 2023 is not the same months as 2024Q3


def test_a_finding_says_its_prior_value_came_from_the_earlier_submission(catalog) -> None:
    from compliance.pipeline.check import check_submissions
    from compliance.pipeline.read import BatchRead
    from compliance.results.run import Run
    from compliance.wording.findings import input_source

    profile = get_profile(catalog, "headline")
    submission = make_submission({"period": "2024"}, current={"total_medical_revenue": 130})
    stored = {("hospital", submission.subject.code, "2023"): _earlier(submission.subject.code,
                                                                      {"total_medical_revenue": 100})}
    run = Run.new(catalog.digest, profile.name, profile.title)
    result = check_submissions(catalog, profile, BatchRead((submission,)), run, stored=stored)
    growth = next(f for f in result.findings if f.rule_id == GROWTH)
    assert growth.status is Status.FAIL and growth.observed.value == pytest.approx(0.3)
    prior = next(i for i in growth.inputs if i.which == "prior")
    current = next(i for i in growth.inputs if i.which == "current")
    assert (prior.earlier, current.earlier) == ("2023", "")
    assert input_source(prior, "zh") == "取自2023年度报送的 2023.xlsx 指标!D5"
    assert input_source(prior, "en").startswith("taken from the ") and "2023.xlsx 指标!D5" in input_source(prior, "en")
    assert input_source(current, "zh") == "指标!D3"
    assert pickle.loads(pickle.dumps(result.subjects[0].findings)) == result.subjects[0].findings

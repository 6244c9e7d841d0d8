"""Reporting periods: years, halves, quarters, months and runs of months (the cumulative 1–9月 of
published statistics), their labels, their wording and the same period of the previous year."""

from __future__ import annotations

import dataclasses
import datetime as dt
import pickle
import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from compliance.outputs.names import plain_stem, safe_component
from compliance.pipeline.check import evaluate_submissions, get_profile
from compliance.results.identity import Subject
from compliance.results.periods import (
    MAX_YEAR,
    MIN_YEAR,
    Period,
    label_months,
    parse_period,
)
from compliance.wording import findings as worded
from compliance.wording.dates import period_text

from .conftest import make_submission

CJK = re.compile(r"[\u3400-\u9fff]")


@pytest.mark.parametrize(("text", "label", "start", "end"), [
    ("2019", "2019", dt.date(2019, 1, 1), dt.date(2019, 12, 31)),
    ("2019年度", "2019", dt.date(2019, 1, 1), dt.date(2019, 12, 31)),
    ("2019年上半年", "2019H1", dt.date(2019, 1, 1), dt.date(2019, 6, 30)),
    ("2019H2", "2019H2", dt.date(2019, 7, 1), dt.date(2019, 12, 31)),
    ("2019年第三季度", "2019Q3", dt.date(2019, 7, 1), dt.date(2019, 9, 30)),
    ("2019-09", "2019-09", dt.date(2019, 9, 1), dt.date(2019, 9, 30)),
    ("2019年9月份", "2019-09", dt.date(2019, 9, 1), dt.date(2019, 9, 30)),
    # cumulative, as national and provincial statistics are published
    ("2019年1-9月", "2019M01-09", dt.date(2019, 1, 1), dt.date(2019, 9, 30)),
    ("2019年1—9月", "2019M01-09", dt.date(2019, 1, 1), dt.date(2019, 9, 30)),
    ("2019年1–9月", "2019M01-09", dt.date(2019, 1, 1), dt.date(2019, 9, 30)),
    ("2019年1～9月", "2019M01-09", dt.date(2019, 1, 1), dt.date(2019, 9, 30)),
    ("2019年1至9月", "2019M01-09", dt.date(2019, 1, 1), dt.date(2019, 9, 30)),
    ("2019年1月至9月", "2019M01-09", dt.date(2019, 1, 1), dt.date(2019, 9, 30)),
    ("2019年1-9月累计", "2019M01-09", dt.date(2019, 1, 1), dt.date(2019, 9, 30)),
    ("2019年1-9月（累计）", "2019M01-09", dt.date(2019, 1, 1), dt.date(2019, 9, 30)),
    ("2019年前三季度", "2019M01-09", dt.date(2019, 1, 1), dt.date(2019, 9, 30)),
    ("２０１９年１－９月", "2019M01-09", dt.date(2019, 1, 1), dt.date(2019, 9, 30)),
    (" 2019 年 1 - 9 月 ", "2019M01-09", dt.date(2019, 1, 1), dt.date(2019, 9, 30)),
    ("2024-01/2024-09", "2024M01-09", dt.date(2024, 1, 1), dt.date(2024, 9, 30)),
    ("2024-01至2024-09", "2024M01-09", dt.date(2024, 1, 1), dt.date(2024, 9, 30)),
    ("2024年1月至2024年9月", "2024M01-09", dt.date(2024, 1, 1), dt.date(2024, 9, 30)),
    ("２０２４－０１／２０２４－０９", "2024M01-09", dt.date(2024, 1, 1), dt.date(2024, 9, 30)),
    ("2024M01-09", "2024M01-09", dt.date(2024, 1, 1), dt.date(2024, 9, 30)),
    # a run of months that is not from January is a period of its own
    ("2024年4-5月", "2024M04-05", dt.date(2024, 4, 1), dt.date(2024, 5, 31)),
    ("2024年2-12月", "2024M02-12", dt.date(2024, 2, 1), dt.date(2024, 12, 31)),
    # ... unless its months are a quarter, half, year or month: then it is that period
    ("2024年4-6月", "2024Q2", dt.date(2024, 4, 1), dt.date(2024, 6, 30)),
    ("2024年1-3月累计", "2024Q1", dt.date(2024, 1, 1), dt.date(2024, 3, 31)),
    ("2024年1-6月", "2024H1", dt.date(2024, 1, 1), dt.date(2024, 6, 30)),
    ("2024年7-12月", "2024H2", dt.date(2024, 7, 1), dt.date(2024, 12, 31)),
    ("2024年1-12月", "2024", dt.date(2024, 1, 1), dt.date(2024, 12, 31)),
    ("2024年9-9月", "2024-09", dt.date(2024, 9, 1), dt.date(2024, 9, 30)),
])
def test_accepted_periods(text: str, label: str, start: dt.date, end: dt.date) -> None:
    period = parse_period(text)
    assert period is not None and (period.label, period.start, period.end) == (label, start, end)


@pytest.mark.parametrize("text", [
    "2019年9-1月",              # backwards
    "2019年1-13月", "2019年0-3月", "2019-13", "2019年13月",  # no such month
    "2023-10/2024-03", "2023年10月至2024年3月", "2023-01至2024-09",  # across years
    "2024-1-9", "2024/1/9",      # a date, not a range
    "0000", "0999年1-9月",        # no such year
    "1-9月", "累计", "去年", "", "2024年第5季度",
])
def test_refused_periods(text: str) -> None:
    assert parse_period(text) is None


def test_a_range_equal_to_a_quarter_is_that_quarter() -> None:
    assert parse_period("2024年4-6月") == parse_period("2024年第2季度") == parse_period("2024Q2")
    assert parse_period("2024年1-6月累计") == parse_period("2024年上半年")
    assert parse_period("2024年1-9月") != parse_period("2024年第3季度")


@pytest.mark.parametrize(("label", "zh", "en"), [
    ("2019", "2019年度", "2019"), ("2019H1", "2019年上半年", "H1 2019"), ("2019Q3", "2019年第3季度", "Q3 2019"),
    ("2019-09", "2019年9月", "2019-09"), ("2019M01-09", "2019年1—9月", "Jan–Sep 2019"),
    ("2024M04-05", "2024年4—5月", "Apr–May 2024"), ("2019年", "2019年", "2019年"),
])
def test_periods_in_both_languages(label: str, zh: str, en: str) -> None:
    assert period_text(label, "zh") == zh and period_text(label, "en") == en
    period = parse_period(label)
    if period is not None and period.label == label:
        assert period_text(period, "zh") == zh and period_text(period, "en") == en


@pytest.mark.parametrize(("text", "previous"), [
    ("2020", "2019"), ("2020H2", "2019H2"), ("2020Q3", "2019Q3"), ("2020-09", "2019-09"),
    ("2020年1-9月", "2019M01-09"), ("2020年4-5月", "2019M04-05"), ("2020-02", "2019-02"),
])
def test_previous_year_is_the_same_months(text: str, previous: str) -> None:
    period = parse_period(text)
    assert period is not None and period.previous_year() == parse_period(previous)


def test_a_period_is_a_frozen_value_that_pickles_and_sorts() -> None:
    period = parse_period("2019年1-9月")
    assert period is not None
    with pytest.raises(dataclasses.FrozenInstanceError):
        period.label = "2019"  # type: ignore[misc]
    assert pickle.loads(pickle.dumps(period)) == period and hash(pickle.loads(pickle.dumps(period))) == hash(period)
    labels = ["2024", "2023", "2024Q3", "2024M01-09", "2024H1", "2024-01", "2024M04-05"]
    ordered = sorted(parse_period(label) for label in labels)  # type: ignore[type-var]
    assert [p.label for p in ordered] == ["2023", "2024-01", "2024H1", "2024M01-09", "2024", "2024M04-05", "2024Q3"]
    assert Period(dt.date(2019, 1, 1), dt.date(2019, 9, 30)).label == "2019M01-09"


@pytest.mark.parametrize(("start", "end", "label"), [
    (dt.date(2019, 1, 2), dt.date(2019, 9, 30), ""),      # not from the first of a month
    (dt.date(2019, 1, 1), dt.date(2019, 9, 29), ""),      # not to the end of a month
    (dt.date(2019, 10, 1), dt.date(2020, 3, 31), ""),     # across a year end
    (dt.date(2019, 9, 1), dt.date(2019, 1, 31), ""),      # backwards
    (dt.date(2019, 7, 1), dt.date(2019, 9, 30), "2019M07-09"),  # a quarter's months under another label
])
def test_a_period_that_is_not_whole_months_of_one_year_is_refused(start: dt.date, end: dt.date, label: str) -> None:
    with pytest.raises(ValueError, match="period"):
        Period(start, end, label)


def test_a_cumulative_label_is_safe_in_file_names() -> None:
    period = parse_period("2019年1-9月")
    assert period is not None
    subject = Subject("12230100MB0000001X", "医院", "黑龙江省", "哈尔滨市", None, None, None, period, "hospital")
    assert plain_stem(subject) == "12230100MB0000001X-2019M01-09"


months = st.tuples(st.integers(1, 12), st.integers(1, 12)).map(sorted)
periods = st.builds(lambda year, run: Period.of_months(year, run[0], run[1]), st.integers(MIN_YEAR + 1, MAX_YEAR),
                    months)


@given(periods)
def test_a_label_reads_back_as_its_period(period: Period) -> None:
    assert parse_period(period.label) == period
    assert safe_component(period.label) == period.label  # a file name as it is
    assert period.previous_year().year == period.year - 1
    assert (period.previous_year().first_month, period.previous_year().last_month) == (period.first_month,
                                                                                        period.last_month)
    zh, en = period_text(period.label, "zh"), period_text(period.label, "en")
    assert str(period.year) in zh and str(period.year) in en and CJK.search(zh) and not CJK.search(en)


SEPARATORS = ("-", "—", "–", "~", "～", "至", "到", "－")


@given(st.integers(MIN_YEAR, MAX_YEAR), months, st.sampled_from(SEPARATORS), st.booleans(), st.booleans(),
       st.sampled_from(("", "累计", "（累计）", "(累计)")))
def test_a_run_of_months_however_written_is_that_run(year: int, run: list[int], separator: str, month_word: bool,
                                                     padded: bool, suffix: str) -> None:
    first, last = run
    shown = [f"{m:02d}" if padded else str(m) for m in run]
    texts = [f"{year}年{shown[0]}{'月' if month_word else ''}{separator}{shown[1]}月{suffix}",
             f"{year}-{first:02d}{'/' if separator in '-—–' else separator}{year}-{last:02d}"]
    for text in texts:
        period = parse_period(text)
        assert period == Period.of_months(year, first, last), text


ALPHABET = "0123456789２０１９年月季度第上下半前三一二两四至到累计份-—~/.QHMqhm ()（）"


@given(st.one_of(st.text(ALPHABET, max_size=24),
                 st.builds(lambda y, rest: f"{y}{rest}", st.integers(0, 9999), st.text(ALPHABET, max_size=14))))
def test_any_accepted_text_is_whole_months_within_one_year(text: str) -> None:
    period = parse_period(text)
    if period is None:
        return
    assert period.start <= period.end and period.start.year == period.end.year
    assert period.start.day == 1 and (period.end + dt.timedelta(days=1)).day == 1
    assert MIN_YEAR <= period.year <= MAX_YEAR and parse_period(period.label) == period



CANONICAL_ALPHABET = "0123456789HQM-"


@given(st.one_of(periods.map(lambda period: period.label), st.text(CANONICAL_ALPHABET, max_size=11),
                 st.text(ALPHABET, max_size=12)))
def test_label_months_reads_exactly_the_canonical_labels(text: str) -> None:
    """The fast reading of a label agrees with parse_period: the months of a text that is its own
    period's label, None for any other."""
    period = parse_period(text)
    expected = (period.year, period.first_month, period.last_month) if period and period.label == text else None
    assert label_months(text) == expected
    assert period_text(text, "zh") == (period_text(period, "zh") if expected else text)

# ---------------------------------------------------------------- the same period last year


def _prior_changed(catalog, *submissions):  # type: ignore[no-untyped-def]
    findings = evaluate_submissions(catalog, get_profile(catalog, "headline"), list(submissions)).findings
    return [f for f in findings if f.rule_id == "quality.prior-year-changed"]


def test_a_cumulative_period_is_compared_with_the_same_months_of_the_year_before(catalog) -> None:
    """2020年1-9月 states last year's 1-9月 revenue: it is checked against the 2019年1-9月 submission,
    never against the full year 2019 or the third quarter 2019 (which agree with it here)."""
    same_months = make_submission({"period": "2019年1-9月"}, current={"total_medical_revenue": 36000},
                                  name="2019-1-9.xlsx")
    full_year = make_submission({"period": "2019"}, current={"total_medical_revenue": 35000}, name="2019.xlsx")
    third_quarter = make_submission({"period": "2019Q3"}, current={"total_medical_revenue": 35000},
                                    name="2019Q3.xlsx")
    later = make_submission({"period": "2020年1—9月累计"}, current={"total_medical_revenue": 40000},
                            prior={"total_medical_revenue": 35000}, name="2020-1-9.xlsx")
    [changed] = _prior_changed(catalog, full_year, third_quarter, same_months, later)
    assert changed.period == "2020M01-09" and changed.details["earlier_period"] == "2019M01-09"
    assert str(changed.details["earlier_file"]) == "2019-1-9.xlsx"
    assert "2019年1—9月" in worded.message(changed, "zh") and "36,000" in worded.message(changed, "zh")
    assert "Jan–Sep 2019" in worded.message(changed, "en")
    assert not _prior_changed(catalog, full_year, third_quarter, later)  # nothing of the same months: no check


def test_a_quarter_is_not_compared_with_a_cumulative_period(catalog) -> None:
    cumulative = make_submission({"period": "2019年1-9月"}, current={"total_medical_revenue": 36000}, name="a.xlsx")
    quarter = make_submission({"period": "2020年第3季度"}, current={"total_medical_revenue": 13000},
                              prior={"total_medical_revenue": 12000}, name="b.xlsx")
    assert not _prior_changed(catalog, cumulative, quarter)

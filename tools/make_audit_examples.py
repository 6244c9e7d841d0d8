"""Fill the generated templates with five quarters of submissions for a quarterly audit of Sichuan.

Writes examples/audit/inbox/<period>/region.xlsx, hospital-1.xlsx and hospital-2.xlsx for
2024Q4 and 2025Q1–Q4: the province (四川省, 510000) checked with the sichuan-province profile,
and two fictional Chengdu hospitals as its members (the hospitals of
tools/make_jurisdiction_examples.py, same codes every quarter).

Values start from the rule cases in tests/cases/ as make_jurisdiction_examples does (the region
and the first hospital take each rule's `pass` case, the second hospital each rule's `fail`
case; rules whose document's time scope ended before 2024Q4, sichuan-2020h2's, give none), then
the numbers move from quarter to quarter (see examples/audit/README.md):

* the indicators drift (stocks grow, quarterly flows grow with a seasonal swing, ratios wander
  within their bands), so a chart over the quarters is not flat;
* three rules without a deadline change status on purpose (employee inpatient fund payment
  ratio, enrolment rate, rural low-income enrolment) and one with the 2025-12-31 deadline
  (high-value consumables categories) misses it, so that comparing each quarter's region
  findings with the previous quarter's shows newly failing, fixed and still failing rules;
* a prior-year value (上年同期) is the same quarter one year earlier, and the 2025Q4 files leave
  every prior value blank (the audit takes it from the stored 2024Q4 submission), except one:
  the region's prior count of remote-settlement institutions, restated 3% below what 2024Q4
  reported (a resubmitted prior value that disagrees with what was stored).

Run after `compliance template`.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from make_jurisdiction_examples import JURISDICTIONS, ROOT, _cases, _fill, _merge  # noqa: E402  (also puts src/ on the path)

from openpyxl import load_workbook  # noqa: E402

from compliance.ingest.identities import with_check_character  # noqa: E402
from compliance.ingest.schema import SHEET_INDICATORS  # noqa: E402
from compliance.pipeline.check import load_default_catalog  # noqa: E402
from compliance.results.periods import Period, parse_period  # noqa: E402

PLACE: dict[str, Any] = JURISDICTIONS["sichuan"]
OUT = ROOT / "examples" / "audit" / "inbox"
#: The quarters written; t (the index used below) counts quarters from 2024Q4 (2023Q4 is -4).
QUARTERS: tuple[str, ...] = ("2024Q4", "2025Q1", "2025Q2", "2025Q3", "2025Q4")
FIRST_YEAR, FIRST_QUARTER = 2024, 4
#: The quarter whose prior-year values are left blank for the audit to take from the stored 2024Q4.
BLANK_PRIOR_QUARTER = 4
#: The one prior value 2025Q4 states anyway, and how far it is from what 2024Q4 reported.
RESTATED_PRIOR = ("remote_settlement_institutions", 0.97)
#: Quarterly flows swing with the season (first quarters low, fourth quarters high).
SEASON = {1: 0.93, 2: 1.0, 3: 1.01, 4: 1.07}

Values = dict[str, Any]


def _year_quarter(t: int) -> tuple[int, int]:
    index = FIRST_YEAR * 4 + FIRST_QUARTER - 1 + t
    return index // 4, index % 4 + 1


def _period(t: int) -> Period:
    year, quarter = _year_quarter(t)
    return Period.of_months(year, 3 * quarter - 2, 3 * quarter)


def _period_cell(t: int) -> str:
    """The period as a hospital writes it: 2025年第1季度."""
    year, quarter = _year_quarter(t)
    return f"{year}年第{quarter}季度"


def _flow(base: float, growth: float, t: int, wobble: dict[int, float] | None = None, digits: int = 2) -> float:
    """A quarter's amount: `base` (a 2024Q2-sized quarter) grown by `growth` a quarter, with the
    season's swing and an optional wobble of its own."""
    value = base * (1 + growth) ** t * SEASON[_year_quarter(t)[1]] * (1 + (wobble or {}).get(t, 0.0))
    return round(value, digits)


def _stock(base: float, growth: float, t: int) -> int:
    """A count at the end of the quarter, growing by `growth` a quarter."""
    return round(base * (1 + growth) ** t)


def _at(series: dict[int, Any], t: int) -> Any:
    """series[t], or the value of its nearest quarter (before 2024Q4 only prior values matter)."""
    return series[t] if t in series else series[min(series, key=lambda k: abs(k - t))]


def _part(total: float, share: float, digits: int = 2) -> float | int:
    return round(total * share) if digits == 0 else round(total * share, digits)


# ---- the rules varied on purpose (t = 0..4 is 2024Q4..2025Q4; t < 0 only gives prior values) ----

#: sichuan-14fyp.employee-inpatient-fund-payment-ratio (approx 85% ± 2 points, no deadline):
#: pass, pass, fail, fail, pass.
EMPLOYEE_RATIO = {0: 0.8512, 1: 0.8461, 2: 0.8234, 3: 0.8262, 4: 0.8427}
#: sichuan-14fyp.bmi-enrollment-rate (>= 95%, checked every year, no deadline): the 2025 resident
#: enrolment drive lags in the first quarter: pass, fail, pass, pass, pass.
ENROLLMENT_RATE = {-4: 0.9571, -3: 0.9536, -2: 0.9548, -1: 0.9566,
                   0: 0.9562, 1: 0.9468, 2: 0.9531, 3: 0.9574, 4: 0.9590}
#: sichuan-14fyp.rural-low-income-full-enrollment (100%, no deadline): newly identified
#: low-income people not yet enrolled in Q3 and Q4: pass, pass, pass, fail, fail.
RURAL_UNINSURED = {0: 0, 1: 0, 2: 0, 3: 3260, 4: 1140}
#: sichuan-14fyp.vbp-hvmc-categories-5 (>= 5 categories by 2025-12-31): short of the target
#: throughout: not_due until the deadline, fail at 2025Q4 (as of 2025-12-31).
HVMC_CATEGORIES = {0: 3, 1: 3, 2: 4, 3: 4, 4: 4}

# ---- the other indicators: drifting, on the passing side ----
RESIDENT_RATIO = {0: 0.7046, 1: 0.6982, 2: 0.7013, 3: 0.7071, 4: 0.7035}
KEY_ASSISTANCE_RATIO = {0: 0.7312, 1: 0.7205, 2: 0.7388, 3: 0.7421, 4: 0.7506}
XPROV_RATE = {0: 0.7423, 1: 0.7514, 2: 0.7630, 3: 0.7718, 4: 0.7809}
INTRA_RATE = {0: 0.8031, 1: 0.8106, 2: 0.8182, 3: 0.8259, 4: 0.8340}
ONLINE_ITEMS = {0: 103, 1: 105, 2: 108, 3: 110, 4: 113}
SERVICE_ITEMS = {0: 118, 1: 118, 2: 120, 3: 120, 4: 122}
CHRONIC_DISEASES = {-4: 6, -3: 6, -2: 8, -1: 8, 0: 10, 1: 10, 2: 12, 3: 12, 4: 13}
LTC_CITIES = {-4: 4, -3: 4, -2: 4, -1: 5, 0: 5, 1: 5, 2: 6, 3: 6, 4: 7}
POOL_RATIO_MAX = {-4: 0.8120, -3: 0.8075, -2: 0.8040, -1: 0.8010, 0: 0.7985, 1: 0.7960, 2: 0.7890, 3: 0.7875, 4: 0.7820}
POOL_RATIO_MIN = {-4: 0.6410, -3: 0.6450, -2: 0.6470, -1: 0.6520, 0: 0.6555, 1: 0.6540, 2: 0.6610, 3: 0.6650, 4: 0.6690}
OUTPATIENT_RATIO = {-4: 0.5080, -3: 0.5010, -2: 0.5120, -1: 0.5160,
                    0: 0.5290, 1: 0.5190, 2: 0.5340, 3: 0.5350, 4: 0.5510}
#: 本年度调价评估次数 counted over the year to date (an annual requirement on quarterly periods).
PRICE_EVALUATIONS = {0: 2, 1: 1, 2: 1, 3: 2, 4: 2}
#: Funds grow a little faster or slower than GDP quarter by quarter (within ± 3 points).
INCOME_WOBBLE = {-4: 0.0, -3: 0.004, -2: -0.003, -1: 0.002, 0: 0.006, 1: -0.004, 2: 0.012, 3: 0.001, 4: -0.008}
EXPENDITURE_WOBBLE = {-4: 0.0, -3: -0.002, -2: 0.005, -1: 0.0, 0: 0.009, 1: 0.011, 2: -0.006, 3: 0.004, 4: 0.013}


def _region(t: int) -> Values:
    """The province's numbers for quarter t (current values; t - 4 gives the prior ones)."""
    v: Values = {}
    base = round(8370 - 1.5 * t, 2)  # 万人, the population base slowly shrinking
    v["bmi_population_base"] = base
    v["bmi_insured_employee_persons"] = round(1905 * 1.006 ** t, 2)
    v["bmi_insured_resident_persons"] = round(base * _at(ENROLLMENT_RATE, t) - v["bmi_insured_employee_persons"], 2)
    v["bmi_fund_income"] = _flow(3_350_000, 0.015, t, INCOME_WOBBLE)
    v["bmi_fund_income_last_year"] = _flow(3_350_000, 0.015, t - 4, INCOME_WOBBLE)
    v["bmi_fund_expenditure"] = _flow(2_750_000, 0.015, t, EXPENDITURE_WOBBLE)
    v["bmi_fund_expenditure_last_year"] = _flow(2_750_000, 0.015, t - 4, EXPENDITURE_WOBBLE)
    v["regional_gdp"] = _flow(15_800, 0.013, t)
    v["regional_gdp_last_year"] = _flow(15_800, 0.013, t - 4)
    v["employee_inpatient_policy_scope_expense"] = _flow(1_450_000, 0.01, t)
    v["employee_inpatient_fund_payment"] = _part(v["employee_inpatient_policy_scope_expense"], _at(EMPLOYEE_RATIO, t))
    v["resident_inpatient_policy_scope_expense"] = _flow(2_180_000, 0.008, t)
    v["resident_inpatient_fund_payment"] = _part(v["resident_inpatient_policy_scope_expense"], _at(RESIDENT_RATIO, t))
    v["key_assistance_eligible_inpatient_expense"] = _flow(98_000, 0.012, t)
    v["key_assistance_inpatient_paid"] = _part(v["key_assistance_eligible_inpatient_expense"],
                                               _at(KEY_ASSISTANCE_RATIO, t))
    v["vbp_drug_variety_count"] = _at({0: 503, 1: 509, 2: 516, 3: 528, 4: 541}, t)
    v["vbp_hvmc_category_count"] = _at(HVMC_CATEGORIES, t)
    v["procurement_subsystem_private_and_pharmacy_count"] = _stock(28_400, 0.03, t)
    v["xprov_inpatient_cases"] = round(_flow(52_000, 0.02, t))
    v["xprov_inpatient_direct_settled_cases"] = _part(v["xprov_inpatient_cases"], _at(XPROV_RATE, t), 0)
    v["intra_remote_inpatient_cases"] = round(_flow(180_000, 0.015, t))
    v["intra_remote_inpatient_direct_settled_cases"] = _part(v["intra_remote_inpatient_cases"], _at(INTRA_RATE, t), 0)
    v["ms_service_items_total"] = _at(SERVICE_ITEMS, t)
    v["ms_service_items_online"] = _at(ONLINE_ITEMS, t)
    v["ms_service_items_window"] = _at(SERVICE_ITEMS, t)
    v["pool_resident_inpatient_ratio_max"] = _at(POOL_RATIO_MAX, t)  # the gap narrows year on year
    v["pool_resident_inpatient_ratio_min"] = _at(POOL_RATIO_MIN, t)
    v["outpatient_policy_scope_expense"] = _flow(620_000, 0.02, t)
    v["outpatient_fund_payment"] = _part(v["outpatient_policy_scope_expense"], _at(OUTPATIENT_RATIO, t))
    v["rural_low_income_population"] = _stock(1_863_000, -0.002, t)
    v["rural_low_income_insured"] = v["rural_low_income_population"] - _at(RURAL_UNINSURED, t)
    v["price_adjustment_evaluations"] = _at(PRICE_EVALUATIONS, t)
    v["benchmark_county_windows"] = _at({0: 30, 1: 31, 2: 31, 3: 32, 4: 33}, t)
    v["benchmark_grassroots_points"] = 204 + 3 * t
    v["benchmark_designated_institutions"] = 201 + 2 * t
    v["benchmark_smart_points"] = 51 + t
    v["village_clinics_networked"] = _stock(2_900, 0.03, t)
    v["remote_settlement_institutions"] = _stock(9_200, 0.025, t)
    v["chronic_disease_xprov_diseases"] = _at(CHRONIC_DISEASES, t)
    v["ltc_pilot_cities"] = _at(LTC_CITIES, t)
    v["ms_training_sessions"] = 51 + t + t // 2
    v["ms_training_class_hours"] = 940 + 16 * t
    v["ms_training_party_discipline_hours"] = 131 + 4 * t
    v["provincial_city_cadres"] = 1000 + 2 * t
    v["provincial_city_cadres_rotated"] = 975 + 3 * t
    v["ms_cadres"] = 11_950 + 12 * t
    v["ms_cadres_rotated"] = v["ms_cadres"]
    v["county_division_training_person_times"] = 246 + 4 * t
    v["township_section_training_person_times"] = 86_500 + 900 * t
    v["cadre_secondment_person_times"] = 21 + t
    return v


#: Per hospital: its quarterly drug and consumables purchases and inpatient expenses, and the
#: shares that stay on the side of its case (pass for the first, fail for the second).
HOSPITALS: tuple[dict[str, Any], ...] = (
    {"drugs": 8_600, "online_drug": (0.946, 0.004), "hvmc": 3_100, "online_hvmc": (0.842, 0.006),
     "inpatient": 42_000, "non_ffs": (0.762, 0.009)},
    {"drugs": 5_200, "online_drug": (0.80, 0.003), "hvmc": 2_000, "online_hvmc": (0.25, 0.01),
     "inpatient": 23_000, "non_ffs": (0.665, 0.012)},
)


def _hospital(index: int, t: int) -> Values:
    h = HOSPITALS[index - 1]
    v: Values = {}
    v["drug_purchase_amount_total"] = _flow(h["drugs"], 0.012, t)
    share, step = h["online_drug"]
    v["drug_purchase_amount_online"] = _part(v["drug_purchase_amount_total"], share + step * t)
    v["hvmc_purchase_amount_total"] = _flow(h["hvmc"], 0.015, t)
    share, step = h["online_hvmc"]
    v["hvmc_purchase_amount_online"] = _part(v["hvmc_purchase_amount_total"], share + step * t)
    v["inpatient_expense_total"] = _flow(h["inpatient"], 0.011, t)
    share, step = h["non_ffs"]
    v["inpatient_expense_non_ffs"] = _part(v["inpatient_expense_total"], share + step * t)
    return v


#: The region's unit table of pools, one coherent table (the rule cases each set a few columns).
POOLING_AREAS: list[Values] = [
    {"pool_name": name, "outpatient_xprov_as_insured_place": True, "outpatient_xprov_as_treatment_place": True,
     "chronic_xprov_enabled": True, "online_filing_channels": channels}
    for name, channels in (("省本级", 3), ("成都市", 3), ("绵阳市", 2), ("德阳市", 2), ("甘孜州", 1))
]
#: Milestones the pass cases date within the quarters written: before the quarter of the date the
#: region reports them not done yet (so no quarter states a completion date after its own end).
MILESTONES: dict[str, tuple[str, str, str]] = {
    "price_system_unified": ("price_system_unified_done", "price_system_unified_date", "price_system_unified_evidence"),
}
#: Set here, not by a case: the only pass case of the rule is Chengdu's own.
REGION_EXTRA: Values = {"cdmz_prior_filing_abolished": True,
                        "cdmz_prior_filing_evidence": "川医保发〔2023〕X号 成德眉资异地就医免备案"}


def _date_milestones(current: Values, t: int) -> None:
    """Report a milestone dated after the end of quarter t as not done (no date, no evidence)."""
    end = _period(t).end.isoformat()
    for done, date, evidence in MILESTONES.values():
        if str(current.get(date, "")) > end:
            current[done] = False
            current.pop(date, None)
            current.pop(evidence, None)


def _quarter_data(base: dict[str, Any], numbers: Callable[[int], Values], prior_fields: set[str], t: int,
                  blank_prior: bool) -> dict[str, Any]:
    """`base` with quarter t's numbers: current from numbers(t), prior (上年同期) from numbers(t - 4)
    for the fields that have one, blank when `blank_prior`."""
    now, before = numbers(t), numbers(t - 4)
    unmoved = sorted(code for code in prior_fields & set(base["current"]) - set(now))
    assert not unmoved, f"fields with a prior value but no series: {unmoved}"
    current = {**base["current"], **now}
    prior = {} if blank_prior else {code: before[code] for code in sorted(prior_fields) if code in before}
    return {"current": current, "prior": prior, "tables": dict(base["tables"])}


def _write(template: Path, target: Path, info: Values, data: dict[str, Any], tables: dict[str, Any]) -> None:
    unplaced = _unplaced(template, data, tables)
    if unplaced:
        raise SystemExit(f"{template.name} has no place for {', '.join(unplaced)}")
    _fill(template, target, info, data, tables)


def _unplaced(template: Path, data: dict[str, Any], tables: dict[str, Any]) -> list[str]:
    """The codes of `data` that the template has no row or sheet for (`_fill` skips them silently)."""
    workbook = load_workbook(template, read_only=True)
    rows = {row[0] for row in workbook[SHEET_INDICATORS].iter_rows(min_col=1, max_col=1, values_only=True)}
    missing = [code for key in ("current", "prior") for code in data[key] if code not in rows]
    return missing + [code for code in data["tables"]
                      if code not in tables or tables[code].name not in workbook.sheetnames]


def main() -> int:
    catalog = load_default_catalog(ROOT)
    cases = _cases()
    templates = ROOT / "inputs" / "templates"
    for name in ("hospital-self-assessment.xlsx", "region-self-assessment.xlsx"):
        if not (templates / name).exists():
            print(f"{templates / name} is missing: run `compliance template` first", file=sys.stderr)
            return 2
    first_day = _period(0).start  # rules whose document's time scope ended before the quarters give no values
    rules = [r for r in catalog.rules if r.pack in PLACE["packs"] and (r.scope_end is None or r.scope_end >= first_day)]
    hospital_rules = [r.id for r in rules if r.applies.level == "hospital"]
    region_rules = [r.id for r in rules if r.applies.level == "region"]
    prior_fields = {code for code, spec in catalog.fields.items() if spec.has_prior}
    city = PLACE["city_of_hospitals"]

    region_base = _merge(region_rules, cases, "pass", None, without_members=True)
    region_base["current"].update(REGION_EXTRA)
    for code in ("inpatient_expense_total", "inpatient_expense_non_ffs"):  # summed over the hospitals
        region_base["current"].pop(code, None)
    region_base["tables"]["ms_pooling_areas"] = POOLING_AREAS
    hospital_bases = [_merge(hospital_rules, cases, wanted, None, without_members=True) for wanted in ("pass", "fail")]

    for t, label in enumerate(QUARTERS):
        assert parse_period(_period_cell(t)) == _period(t) and _period(t).label == label, label
        folder = OUT / label
        blank = t == BLANK_PRIOR_QUARTER
        for index, (base, title) in enumerate(zip(hospital_bases, ("示例第一医院", "示例第二医院")), start=1):
            code = with_check_character(PLACE["hospital_code"] % index)
            info = {"institution_code": code, "institution_name": f"{city}{title}", "province": PLACE["province"],
                    "city": city, "grade": "三级", "type": "综合医院", "ownership": "公立", "period": _period_cell(t)}
            data = _quarter_data(base, lambda q, i=index: _hospital(i, q), prior_fields, t, blank)
            _write(templates / "hospital-self-assessment.xlsx", folder / f"hospital-{index}.xlsx", info, data,
                   catalog.tables)
        info = {"region_code": PLACE["region_code"], "region_name": PLACE["region_name"],
                "province": PLACE["province"], "city": PLACE["city"], "region_level": PLACE["region_level"],
                "period": _period_cell(t)}
        data = _quarter_data(region_base, _region, prior_fields, t, blank)
        _date_milestones(data["current"], t)
        if blank:
            code, factor = RESTATED_PRIOR
            data["prior"][code] = round(_region(t - 4)[code] * factor)
        _write(templates / "region-self-assessment.xlsx", folder / "region.xlsx", info, data, catalog.tables)
        print(f"wrote {folder.relative_to(ROOT)}/ (period {_period_cell(t)})")
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Documents in time: effective dates, time scopes, validity, deadlines and --as-of, as docs/time.md
sets them out; every row of its table of examples is run here."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from compliance.cli.main import main
from compliance.errors import RuleFileError
from compliance.pipeline.check import evaluate_submissions
from compliance.results.status import Benchmark, Reason, Status, Validity
from compliance.rules.loader import load_pack
from compliance.rules.spec import Catalog, Profile
from compliance.wording import findings as worded

from .conftest import ROOT, as_date, make_submission
from .test_rule_cases import CASES

DOC = ROOT / "docs" / "time.md"
COLUMNS = ("rule", "case", "period", "as_of", "profile", "status", "reason")


def _examples() -> list[dict[str, str]]:
    text = DOC.read_text(encoding="utf-8")
    table = text.split("<!-- time-examples -->", 1)[1].split("<!-- /time-examples -->", 1)[0]
    rows = []
    for line in table.splitlines():
        if not line.startswith("| `"):
            continue
        cells = [cell.strip().strip("`") for cell in line.strip().strip("|").split("|")]
        assert len(cells) == len(COLUMNS), line
        row = dict(zip(COLUMNS, cells, strict=True))
        assert row["profile"] in ("own", "benchmark"), line
        rows.append(row)
    return rows


EXAMPLES = _examples()


def _case(rule_id: str, name: str) -> dict[str, Any]:
    return next(case for case in CASES[rule_id] if case["case"] == name)


def _judge(catalog: Catalog, rule_id: str, case: dict[str, Any], period: str, as_of: dt.date | None,
           benchmark: bool, place: dict[str, Any] | None = None):
    rule = catalog.rule(rule_id)
    subject = dict(case.get("subject") or {}, period=period)
    subject.update(place or {"province": rule.jurisdiction.province, "city": rule.jurisdiction.city
                   or ("成都市" if rule.jurisdiction.province == "四川省" else "兰州市" if rule.jurisdiction.province
                       == "甘肃省" else "石家庄市")})
    profile = Profile(name="time", title="time", description="", subject_levels=(rule.applies.level,),
                      packs=(rule.pack,), rule_ids=(rule_id,), benchmark=benchmark)
    submission = make_submission(subject, case.get("current"), case.get("prior"), case.get("tables"))
    members = [make_submission(dict({"code": f"H{index:03d}", "name": f"成员医院{index}", **(place or {})},
                                    **member.get("subject", {}), period=period),
                               member.get("current"), member.get("prior"), member.get("tables"),
                               name=f"member{index}.xlsx")
               for index, member in enumerate(case.get("members", []), start=1)]
    [result, *_] = evaluate_submissions(catalog, profile, [submission, *members], as_of).subjects
    [finding] = [f for f in result.findings if f.rule_id == rule_id]
    return finding


def test_the_table_covers_every_document(catalog) -> None:
    documented = {row["rule"].split(".", 1)[0] for row in EXAMPLES}
    assert documented == {pack.document.pack for pack in catalog.packs}
    for pack in {row["rule"].split(".", 1)[0] for row in EXAMPLES}:
        reasons = {row["reason"] for row in EXAMPLES if row["rule"].startswith(pack + ".")}
        assert Reason.BEFORE_EFFECTIVE in reasons, f"{pack}: no period before the document took effect"
        assert reasons & {Reason.NOT_MET.value}, f"{pack}: no period inside its scope"


@pytest.mark.parametrize("row", EXAMPLES, ids=lambda row: f"{row['rule']}-{row['period']}-{row['as_of'] or 'end'}-"
                                                           f"{row['profile']}")
def test_docs_time_example(catalog, row: dict[str, str]) -> None:
    finding = _judge(catalog, row["rule"], _case(row["rule"], row["case"]), row["period"], as_date(row["as_of"] or None),
                     row["profile"] == "benchmark")
    message = worded.message(finding, "zh")
    assert (finding.status.value, finding.reason.value) == (row["status"], row["reason"]), message


def test_a_benchmark_outside_the_time_scope_says_so(catalog) -> None:
    rule_id = "sichuan-2020h2.city-price-adjustment-at-least-once"
    finding = _judge(catalog, rule_id, _case(rule_id, "fail"), "2022", None, benchmark=True)
    assert finding.status is Status.FAIL
    assert finding.benchmark == (Benchmark.TIME_SCOPE,)
    assert "对标检查" in worded.message(finding, "zh") and "2020-12-31" in worded.message(finding, "zh")
    assert "Benchmark only" in worded.message(finding, "en")
    own = _judge(catalog, rule_id, _case(rule_id, "fail"), "2020", None, benchmark=True)
    assert own.benchmark == () and "对标" not in worded.message(own, "zh")


def test_a_benchmark_names_the_jurisdiction_it_set_aside(catalog) -> None:
    rule_id = "gansu-2020h2.performance-pay-share-increase"
    finding = _judge(catalog, rule_id, _case(rule_id, "fail"), "2024", None, benchmark=True,
                     place={"province": "四川省", "city": "成都市"})
    assert finding.benchmark == (Benchmark.JURISDICTION, Benchmark.TIME_SCOPE)
    assert "甘肃省" in worded.message(finding, "zh")


def test_a_repealed_document_judges_no_period_after_its_repeal(catalog) -> None:
    rule_id = "sichuan-2020h2.city-price-adjustment-at-least-once"
    pack = next(p for p in catalog.packs if p.document.pack == "sichuan-2020h2")
    ended = dt.date(2020, 12, 1)
    rules = tuple(replace(rule, ends=ended, citation=replace(rule.citation, validity=Validity.REPEALED,
                                                             validity_date=ended), continues=True, scope_end=None)
                  for rule in pack.rules)
    changed = Catalog(packs=(replace(pack, rules=rules),), profiles={})
    case = _case(rule_id, "fail")
    after = _judge(changed, rule_id, case, "2021", None, benchmark=False)
    assert (after.status, after.reason) == (Status.NOT_APPLICABLE, Reason.REPEALED)
    assert "2020-12-01 废止" in worded.message(after, "zh")
    during = _judge(changed, rule_id, case, "2020", None, benchmark=False)
    assert during.status is Status.FAIL
    benchmark = _judge(changed, rule_id, case, "2021", None, benchmark=True)
    assert benchmark.status is Status.FAIL and benchmark.benchmark == (Benchmark.VALIDITY,)


def test_a_rule_that_continues_judges_after_the_time_scope(catalog) -> None:
    rule_id = "sichuan-2020h2.city-price-adjustment-at-least-once"
    pack = next(p for p in catalog.packs if p.document.pack == "sichuan-2020h2")
    rules = tuple(replace(rule, continues=True, scope_end=None) for rule in pack.rules)
    changed = Catalog(packs=(replace(pack, rules=rules),), profiles={})
    finding = _judge(changed, rule_id, _case(rule_id, "fail"), "2022", None, benchmark=False)
    assert finding.status is Status.FAIL and finding.benchmark == ()


def test_every_rule_takes_its_documents_effective_date(catalog) -> None:
    for pack in catalog.packs:
        for rule in pack.rules:
            assert rule.effective_from is not None, rule.id
            assert rule.effective_from >= pack.document.effective or rule.id, rule.id
            assert rule.scope_start == pack.document.scope_start
            assert rule.scope_end == (None if rule.continues else pack.document.scope_end)
            assert rule.citation.validity is pack.document.validity


PACK = """pack: {name}
document:
  title: 测试文件
  number: 测试〔2024〕1号
  issuer: 测试机关
  issued: 2024-01-01
{extra}
  seed_file: none.txt
  jurisdiction: {{province: 黑龙江省}}
fields:
  - {{code: a, name: 甲, unit: 万元, type: money}}
rules:
  - id: {name}.r
    title: 甲不低于1
    kind: threshold
    domain: 测试
    clause: 一
    quote: 甲不低于1
    applies_to: {{level: hospital}}
    measure: {{name: 甲, expression: a, comparator: ">=", threshold: 1}}
"""


@pytest.mark.parametrize(("extra", "problem"), [
    ("  validity: 有效", "time_scope: is required"),
    ("  time_scope: {from: 2024-01-01}", "validity: is required"),
    ("  time_scope: {from: 2024-01-01}\n  validity: 作废", "validity: must be one of 有效, 失效, 废止"),
    ("  time_scope: {from: 2024-01-01, to: 2023-12-31}\n  validity: 有效", "2023-12-31 is before 2024-01-01"),
    ("  time_scope: {from: 2024-01-01}\n  validity: 有效\n  validity_date: 2025-01-01",
     "a document in force (有效) has no date of lapse or repeal"),
    ("  time_scope: {from: 2024-01-01}\n  validity: 失效", "validity_source: is required"),
    ("  time_scope: {till: 2024-01-01}\n  validity: 有效", "till"),
])
def test_a_document_without_its_time_is_refused(tmp_path: Path, extra: str, problem: str) -> None:
    path = tmp_path / "timetest.yaml"
    path.write_text(PACK.format(name="timetest", extra=extra), encoding="utf-8")
    with pytest.raises(RuleFileError) as raised:
        load_pack(path)
    assert problem in str(raised.value)
    assert "timetest.yaml:" in str(raised.value)


def test_a_document_in_time_loads(tmp_path: Path) -> None:
    path = tmp_path / "timetest.yaml"
    extra = ("  effective: 2024-02-01\n  time_scope: {from: 2024-01-01, to: 2024-12-31}\n  validity: 失效\n"
             "  validity_date: 2025-01-01\n  validity_source: 页面标注")
    path.write_text(PACK.format(name="timetest", extra=extra), encoding="utf-8")
    pack = load_pack(path)
    [rule] = pack.rules
    assert (rule.effective_from, rule.scope_start, rule.scope_end, rule.ends) == (
        dt.date(2024, 2, 1), dt.date(2024, 1, 1), dt.date(2024, 12, 31), dt.date(2025, 1, 1))
    assert rule.citation.validity is Validity.EXPIRED


def test_the_cli_judges_a_sichuan_2025_batch_by_the_documents_in_force(runner) -> None:
    """The Sichuan example is for 2025: the 14th five-year plan judges it, the 2020 task list (失效,
    scope 2020) does not, and every finding and citation carries the document's status."""
    result = runner.invoke(main, ["--home", str(ROOT), "check", str(ROOT / "examples" / "sichuan"), "--profile",
                                  "auto", "--format", "json"])
    assert result.exit_code == 1, result.output
    findings = json.loads(result.stdout)["findings"]
    task_list = [f for f in findings if f["rule_id"].startswith("sichuan-2020h2.")]
    assert task_list and {(f["status"], f["reason"]) for f in task_list} == {("not_applicable", "outside_time_scope")}
    assert all(f["citation"]["validity"] == "expired" for f in task_list)
    assert "时间范围为 2020-01-01 至 2020-12-31，检查期间 2025年度 不在其内" in task_list[0]["message"]
    plan = [f for f in findings if f["rule_id"].startswith("sichuan-14fyp.")]
    assert {f["status"] for f in plan} >= {"pass", "fail"} and all(f["citation"]["validity"] == "in_force" for f in plan)


def test_rules_coverage_prints_each_documents_time(runner) -> None:
    result = runner.invoke(main, ["--home", str(ROOT), "rules", "coverage"])
    assert result.exit_code == 0, result.output
    line = next(line for line in result.output.splitlines() if line.startswith("sichuan-2020h2 ") and "expired" in line)
    assert "2020-08-20" in line and "2020-01-01 .. 2020-12-31" in line
    harbin = next(line for line in result.output.splitlines() if line.startswith("harbin-2017 ") and "in_force" in line)
    assert "2017-01-01 .. 2020-12-31" in harbin and harbin.rstrip().endswith("9")
    data = json.loads(runner.invoke(main, ["--home", str(ROOT), "rules", "coverage", "--format", "json"]).stdout)
    hebei = next(d for d in data["documents"] if d["pack"] == "hebei-2020")
    assert hebei["time"]["scope"] == {"from": "2020-01-01", "to": None} and hebei["time"]["issued"] is None

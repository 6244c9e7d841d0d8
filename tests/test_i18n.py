"""The message catalogue (gettext .po files read with Babel): every status, reason, rule kind, label
and sentence in Chinese and English, plurals, numbers, and findings worded at the edge."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest
from babel.messages.pofile import read_po
from click.testing import CliRunner

from compliance.cli.main import main
from compliance.results.findings import Finding
from compliance.results.quantities import (
    PERCENT,
    POINTS,
    UNITS,
    Basis,
    Quantity,
    Requirement,
)
from compliance.results.status import Reason, Status
from compliance.rules.kinds import KINDS
from compliance.wording import catalogue
from compliance.wording import findings as worded
from compliance.wording import quantities as q
from compliance.wording.catalogue import (
    LANGUAGES,
    kind_label,
    level_label,
    messages,
    plural,
    status_label,
    status_meaning,
    text,
)

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "examples"
HOME = ["--home", str(ROOT)]
LOCALE = ROOT / "src" / "compliance" / "wording" / "locale"
CJK = re.compile(r"[\u3000-\u303f\u3400-\u9fff\uff00-\uffef]")
PLACEHOLDER = re.compile(r"\{(\w+)\}")
# Keys whose English wording is a label: it must be its own English, not a copy of the Chinese.
LABEL_PREFIXES = ("status.", "kind.", "level.", "sheet.", "col.", "file_status.", "severity.", "which.", "binding.",
                  "bool.", "pdf.", "vocab.", "field.", "domain.", "msg.", "title.", "fix.", "outcome.", "req.", "cmp.")
SAME_IN_BOTH = {"pdf.end", "cmp.>", "cmp.<", "req.compare", "value.with_unit", "value.change_up", "value.change_down",
                "value.change_none", "value.cell_in", "mark.not_applicable", "unit.%", "domain.数据质量"}


def _catalog(lang: str):  # type: ignore[no-untyped-def]
    with (LOCALE / lang / "LC_MESSAGES" / "compliance.po").open("rb") as handle:
        return read_po(handle)


def test_languages() -> None:
    assert LANGUAGES == ("zh", "en")
    assert text("pdf.title") == "医改政策符合性检查报告"
    assert text("pdf.title", "en") == "Health-reform compliance inspection report"


def test_both_catalogues_have_the_same_messages_placeholders_and_plural_forms() -> None:
    zh, en = _catalog("zh"), _catalog("en")
    assert zh.num_plurals == 1 and en.num_plurals == 2
    assert {m.id for m in zh if m.id} == {m.id for m in en if m.id}
    for message in en:
        if not message.id:
            continue
        other = zh[message.id if isinstance(message.id, str) else message.id[0]]
        forms_en = message.string if isinstance(message.string, tuple) else (message.string,)
        forms_zh = other.string if isinstance(other.string, tuple) else (other.string,)
        assert all(form.strip() or form == " " for form in forms_en + forms_zh), message.id
        if str(message.id).startswith(("period.", "date.")):
            continue  # dates are written from different parts in each language (2024年9月, 2024-09)
        wanted = set(PLACEHOLDER.findall(forms_zh[0]))
        for form in forms_en:
            assert set(PLACEHOLDER.findall(form)) == wanted, (message.id, form)


@pytest.mark.parametrize("status", list(Status))
def test_every_status_has_wording(status: Status) -> None:
    zh, en = status_label(status, "zh"), status_label(status, "en")
    assert CJK.search(zh) and en and en != zh and not CJK.search(en)
    assert status_label(status.value, "en") == en  # codes work as well as members
    for lang in LANGUAGES:
        assert status_meaning(status, lang).strip()
    assert status_meaning(status, "zh") != status_meaning(status, "en")


@pytest.mark.parametrize("kind", [*KINDS, "quality"])
def test_every_rule_kind_has_a_name(kind: str) -> None:
    zh, en = kind_label(kind, "zh"), kind_label(kind, "en")
    assert zh.strip() and en.strip() and zh != en
    assert CJK.search(zh) and not CJK.search(en)


def test_levels() -> None:
    assert [level_label(level) for level in ("hospital", "region")] == ["医院", "地区"]
    assert [level_label(level, "en") for level in ("hospital", "region")] == ["Hospital", "Region"]


def test_english_wording_is_english() -> None:
    zh, en = messages("zh"), messages("en")
    labels = [key for key in zh if key.startswith(LABEL_PREFIXES) and key not in SAME_IN_BOTH]
    assert len(labels) > 300
    for key in labels:
        assert en[key] != zh[key], f"{key}: English equals Chinese"
        assert not CJK.search(en[key]), f"{key}: Chinese characters in the English wording: {en[key]!r}"


def test_pdf_headings_are_in_the_catalogue() -> None:
    zh = messages("zh")
    for key, expected in {"pdf.section.summary": "一、检查结论摘要", "pdf.section.findings": "二、检查发现",
                          "pdf.section.problems": "三、数据问题与拒收文件", "pdf.sign.inspector": "检查人员（签字）：",
                          "pdf.sign.seal": "（被检查单位盖章）"}.items():
        assert zh[key] == expected


def test_unknown_key_raises_naming_the_key() -> None:
    with pytest.raises(KeyError, match="no-such.key"):
        text("no-such.key")
    with pytest.raises(KeyError, match="no-such.key"):
        plural("no-such.key", 2, "en")
    with pytest.raises(KeyError):
        kind_label("no_such_kind")
    with pytest.raises(ValueError):
        status_label("bogus")  # not a status code
    with pytest.raises(ValueError, match="fr"):
        text("pdf.title", "fr")


def test_messages_are_read_only() -> None:
    table = messages("en")
    with pytest.raises(TypeError):
        table["pdf.title"] = "x"  # type: ignore[index]
    assert catalogue.paren("约束性", "binding", "zh") == "约束性（binding）"
    assert catalogue.paren("Binding", "binding", "en") == "Binding (binding)"


@pytest.mark.parametrize(("key", "n", "zh", "en"), [
    ("count.hospitals", 1, "1 家医院", "1 hospital"),
    ("count.hospitals", 2, "2 家医院", "2 hospitals"),
    ("count.data_problems", 1, "1 个数据问题", "1 data problem"),
    ("count.data_problems", 0, "0 个数据问题", "0 data problems"),
    ("count.items", 21, "21 项", "21 items"),
])
def test_counts_take_the_plural_form_of_the_language(key: str, n: int, zh: str, en: str) -> None:
    assert plural(key, n, "zh") == zh and plural(key, n, "en") == en


def test_a_count_agrees_with_the_noun_it_counts() -> None:
    """'1 of 2 hospitals': the noun takes the form of the whole, not of the part."""
    assert plural("pdf.region.failing_count", 2, "en", bad=1) == "  1 of 2 hospitals"
    assert plural("pdf.region.failing_count", 1, "en", bad=1) == "  1 of 1 hospital"
    assert plural("pdf.region.failing_count", 2, "zh", bad=1) == "\u30001 / 2 家"


@pytest.mark.parametrize(("value", "zh", "en"), [
    (Quantity(0.09, PERCENT), "9.0%", "9.0%"),
    (Quantity(0.08, POINTS), "8.0 个百分点", "8.0 pp"),
    (Quantity(2200.0, "万元"), "2,200 万元", "2,200 ×10k yuan"),
    (Quantity(1.0, "人"), "1 人", "1 person"),
    (Quantity(3.0, "人"), "3 人", "3 people"),
    (Quantity(2, UNITS, of=3), "2/3 个单位达标", "2 of 3 units meet it"),
    (Quantity(1, UNITS), "1 个单位", "1 unit"),
    (Quantity(-107.0, "天"), "-107 天", "-107 days"),
    (Quantity(True), "是", "Yes"),
    (Quantity(dt.date(2024, 9, 30)), "2024-09-30", "2024-09-30"),
    (Quantity(0.5, "张/千人"), "0.5 张/千人", "0.5 per 1,000 people"),
    (Quantity(1234.5678, "元"), "1,234.57 元", "1,234.57 yuan"),
    (None, "—", "—"),
])
def test_quantities_in_both_languages(value: Quantity | None, zh: str, en: str) -> None:
    assert q.quantity(value, "zh") == zh and q.quantity(value, "en") == en


@pytest.mark.parametrize(("requirement", "zh", "en"), [
    (Requirement(">=", Quantity(0.6, PERCENT)), "不低于 60.0%", "≥ 60.0%"),
    (Requirement("<=", Quantity(10.0, "天")), "不高于 10 天", "≤ 10 days"),
    (Requirement("==", Quantity(0.15, PERCENT), Quantity(0.03, POINTS)), "15.0% 左右（±3.0 个百分点）",
     "about 15.0% (± 3.0 pp)"),
    (Requirement(">", Quantity(0.0, POINTS), basis=Basis.CHANGE), "较上年提高", "higher than last year"),
    (Requirement("<=", Quantity(-0.01, POINTS), basis=Basis.CHANGE), "较上年降低至少 1.0 个百分点",
     "at least 1.0 pp lower than last year"),
    (Requirement(">=", Quantity(1.0, "人"), basis=Basis.EVERY_UNIT), "全部单位不低于 1 人", "every unit ≥ 1 person"),
    (Requirement("==", Quantity(True)), "是", "Yes"),
    (Requirement("<=", Quantity(dt.date(2020, 12, 31))), "不晚于 2020-12-31", "by 2020-12-31"),
])
def test_requirements_in_both_languages(requirement: Requirement, zh: str, en: str) -> None:
    assert q.requirement(requirement, "zh") == zh and q.requirement(requirement, "en") == en


def test_subject_attributes_domains_and_fields_in_english() -> None:
    from compliance.rules.vocab import VOCABULARIES

    for vocabulary, (codes, _) in VOCABULARIES.items():
        for code, chinese in codes.items():
            assert catalogue.vocab_label(vocabulary, code, "zh") == chinese
            assert not CJK.search(catalogue.vocab_label(vocabulary, code, "en")), (vocabulary, code)
    assert catalogue.vocab_label("grade", None, "en") == "not given"
    assert catalogue.domain_label("药品价格", "en") == "Drug prices"
    assert catalogue.domain_label("某个新领域", "en") == "某个新领域"  # a pack's new domain stays as written


def test_every_domain_of_the_packs_has_an_english_name(catalog) -> None:
    for rule in catalog.rules:
        assert not CJK.search(catalogue.domain_label(rule.domain, "en")), (rule.id, rule.domain)


# ---------------------------------------------------------------- compliance check --lang


@pytest.mark.parametrize("lang", [None, "zh", "en"])
def test_cli_passes_lang_to_the_reports(lang: str | None, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    import compliance.report

    seen: list[str] = []

    def write_reports(result: object, catalog: object, out: Path, lang: str = "zh",
                      **options: object) -> compliance.report.WrittenReports:
        seen.append(lang)
        return compliance.report.WrittenReports(())

    monkeypatch.setattr(compliance.report, "write_reports", write_reports)
    args = [*HOME, "check", str(EXAMPLES / "hospital-compliant.xlsx"), "--out", str(tmp_path), "--workers", "0"]
    result = CliRunner().invoke(main, args + (["--lang", lang] if lang else []))
    assert result.exit_code in (0, 1), result.output
    assert seen == [lang or "zh"]


def test_cli_rejects_an_unknown_language(tmp_path: Path) -> None:
    result = CliRunner().invoke(main, [*HOME, "check", str(EXAMPLES / "hospital-compliant.xlsx"), "--lang", "fr"])
    assert result.exit_code == 2 and "fr" in result.output


# ---------------------------------------------------------------- findings of every bundled example


@pytest.fixture(scope="module")
def example_findings(catalog) -> list[Finding]:
    from compliance.pipeline.check import get_profile, run_check

    findings: list[Finding] = []
    for folder in ("harbin", "gansu", "sichuan", "hebei"):
        result = run_check(catalog, get_profile(catalog, "auto"), sorted((EXAMPLES / folder).glob("*.xlsx")),
                           workers=0)
        findings += result.findings
    for path in ("hospital-noncompliant.xlsx", "hospital-compliant.xlsx", "hospitals-flat.xlsx"):
        findings += run_check(catalog, get_profile(catalog, "auto"), [EXAMPLES / path], workers=0).findings
    return findings


def quoted(finding: Finding, catalog) -> list[str]:  # type: ignore[no-untyped-def]
    """Text a finding quotes from rule packs and submissions (never translated), longest first."""
    texts = [finding.measure, finding.title, finding.gap_amount_label, finding.subject_name,
             *(str(v) for v in finding.details.values() if isinstance(v, str)),
             *(item.label for item in finding.items), *(item.note for item in finding.items),
             *(name for item in finding.items for name in item.missing + item.zero),
             *(c.name for c in finding.contributors),
             *(i.name for i in finding.inputs), *(i.item for i in finding.inputs), *(str(i.value) for i in finding.inputs),
             *(str(i.cell) for i in finding.inputs if i.cell), *(name for i in finding.inputs for name in i.lacking),
             *(item.source.sheet for item in finding.items if item.source), *(q.unit for q in finding.gap_amounts),
             *(item.gap_amount.unit for item in finding.items if item.gap_amount),
             *(table.name for table in catalog.tables.values())]
    return sorted({t for t in texts if t}, key=len, reverse=True)


def english_without_quotes(sentence: str, finding: Finding, catalog) -> str:  # type: ignore[no-untyped-def]
    for piece in quoted(finding, catalog):
        sentence = sentence.replace(piece, "")
    return sentence


def test_every_finding_of_the_examples_is_worded_in_english(example_findings: list[Finding], catalog) -> None:
    assert len({f.kind for f in example_findings}) >= 9
    assert len({f.reason for f in example_findings}) >= 8
    for finding in example_findings:
        for word in (worded.observed, worded.required, worded.gap, worded.gap_amount):
            english = word(finding, "en")
            assert not CJK.search(english_without_quotes(english, finding, catalog)), (finding.rule_id, english)
        sentence = worded.message(finding, "en")
        left = english_without_quotes(sentence, finding, catalog)
        assert not CJK.search(left), (finding.rule_id, finding.reason, sentence, left)
        assert worded.title(finding, "en")


def test_chinese_wording_of_every_finding(example_findings: list[Finding]) -> None:
    met = 0
    for finding in example_findings:
        sentence = worded.message(finding, "zh")
        assert CJK.search(sentence) and sentence.endswith(("。", "）")), (finding.rule_id, sentence)
        if finding.status is Status.PASS and finding.reason is Reason.MET and finding.gap is None:
            met += 1
            assert worded.gap(finding, "zh") == "—"
    assert met and met < len(example_findings)


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_a_number_beyond_range_is_worded_never_inf(lang: str) -> None:
    """A growth over a last-year value of 1e-300 is infinite: the sentence says so in words."""
    from compliance.results.quantities import PERCENT, POINTS, Quantity
    from compliance.wording import quantities as q

    for value in (float("inf"), float("-inf"), float("nan")):
        for unit in (PERCENT, POINTS, "万元"):
            shown = q.quantity(Quantity(value, unit), lang)
            assert "inf" not in shown.lower() and "nan" not in shown.lower(), shown
    assert q.whole_percent(float("inf"), signed=True) == "+∞%"


def _config_error_codes() -> set[str]:
    """The codes the package raises ConfigError with (every string constant of the first argument)."""
    import ast

    codes = set()
    for path in (ROOT / "src" / "compliance").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "ConfigError" and node.args:
                codes |= {c.value for c in ast.walk(node.args[0]) if isinstance(c, ast.Constant)}
    return codes


def test_every_configuration_error_is_worded_in_both_languages_and_every_wording_is_raised() -> None:
    from compliance.wording.catalogue import messages

    raised = _config_error_codes()
    assert len(raised) > 30
    for lang in ("zh", "en"):
        worded = {key.removeprefix("config.") for key in messages(lang) if key.startswith("config.")}
        assert raised == worded, (lang, raised ^ worded)


def test_a_configuration_error_is_told_in_the_commands_language_and_survives_a_pickle() -> None:
    import pickle

    from compliance.errors import ConfigError
    from compliance.wording.errors import error_message

    error = ConfigError("unknown_profile", name="provincial", known=("headline", "auto"))
    assert error_message(error, "zh") == "错误：未知的检查方案“provincial”；现有方案：headline、auto。请用 --profile 指定其中之一"
    assert str(error) == "unknown profile 'provincial'; known profiles: headline, auto. Name one of them with --profile"
    copy = pickle.loads(pickle.dumps(error))
    assert (copy.code, copy.values) == (error.code, error.values)
    runner = CliRunner()
    told = runner.invoke(main, ["check", "--profile", "nope", "--lang", "en", str(ROOT / "examples")])
    assert told.exit_code == 2 and "Error: unknown profile 'nope'; known profiles:" in told.output
    told = runner.invoke(main, ["check", "--profile", "nope", str(ROOT / "examples")])
    assert told.exit_code == 2 and "错误：未知的检查方案“nope”；现有方案：" in told.output


def test_a_configuration_error_about_a_refused_file_tells_the_files_problem(tmp_path: Path, catalog) -> None:
    """The region workbook a supervisor sends that cannot be read: the sentence carries the file's
    own data problem (where, expected, found, fix), never its bare code."""
    from compliance.errors import ConfigError
    from compliance.pipeline.read import read_batch
    from compliance.wording.errors import config_message
    from compliance.wording.problems import message

    broken = tmp_path / "地区.xlsx"
    broken.write_bytes(b"not a workbook")
    [outcome] = read_batch([broken], catalog, workers=0).outcomes
    error = ConfigError("region_workbook_unreadable", file=broken.name, problem=outcome.refusal)
    for lang in ("zh", "en"):
        told = config_message(error, lang)
        assert broken.name in told and message(outcome.refusal, lang) in told
        assert outcome.refusal.code not in told

"""The reports' message catalogue: every status, rule kind and label in Chinese and English."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from compliance.cli.main import main
from compliance.report import i18n
from compliance.report.i18n import (
    LANGUAGES,
    kind_label,
    level_label,
    messages,
    status_label,
    status_meaning,
    text,
)
from compliance.results.status import STATUS_LABEL_ZH, Status
from compliance.rules.kinds import KINDS

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "examples"
HOME = ["--home", str(ROOT)]
CJK = re.compile(r"[\u3000-\u303f\u3400-\u9fff\uff00-\uffef]")
PLACEHOLDER = re.compile(r"\{(\w+)\}")
# Keys whose English wording is a label: it must be its own English, not a copy of the Chinese.
LABEL_PREFIXES = ("status.", "kind.", "level.", "sheet.", "col.", "file_status.", "severity.", "which.", "binding.",
                  "bool.", "pdf.", "vocab.", "field.", "domain.")


def test_languages() -> None:
    assert LANGUAGES == ("zh", "en")
    assert text("pdf.title") == "医改政策符合性检查报告"
    assert text("pdf.title", "en") == "Health-reform compliance inspection report"


@pytest.mark.parametrize("status", list(Status))
def test_every_status_has_wording(status: Status) -> None:
    zh, en = status_label(status, "zh"), status_label(status, "en")
    assert zh == STATUS_LABEL_ZH[status]
    assert en and en != zh and not CJK.search(en)
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


def test_both_languages_have_the_same_keys_and_placeholders() -> None:
    zh, en = messages("zh"), messages("en")
    assert set(zh) == set(en)
    for key in zh:
        assert zh[key].strip() and en[key].strip(), key
        assert set(PLACEHOLDER.findall(zh[key])) == set(PLACEHOLDER.findall(en[key])), key


def test_english_labels_are_english() -> None:
    zh, en = messages("zh"), messages("en")
    labels = [key for key in zh if key.startswith(LABEL_PREFIXES) and key not in ("pdf.end",)]
    assert labels
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
        text("no-such.key", "en")
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
    assert i18n.paren("约束性", "binding", "zh") == "约束性（binding）"
    assert i18n.paren("Binding", "binding", "en") == "Binding (binding)"


# ---------------------------------------------------------------- compliance check --lang


@pytest.mark.parametrize("lang", [None, "zh", "en"])
def test_cli_passes_lang_to_the_reports(lang: str | None, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    import compliance.report

    seen: list[str] = []

    def write_reports(result: object, catalog: object, out: Path, lang: str = "zh", **options: object) -> list[Path]:
        seen.append(lang)
        return []

    monkeypatch.setattr(compliance.report, "write_reports", write_reports)
    args = [*HOME, "check", str(EXAMPLES / "hospital-compliant.xlsx"), "--out", str(tmp_path), "--workers", "0"]
    result = CliRunner().invoke(main, args + (["--lang", lang] if lang else []))
    assert result.exit_code in (0, 1), result.output
    assert seen == [lang or "zh"]


def test_cli_rejects_an_unknown_language(tmp_path: Path) -> None:
    result = CliRunner().invoke(main, [*HOME, "check", str(EXAMPLES / "hospital-compliant.xlsx"), "--lang", "fr"])
    assert result.exit_code == 2 and "fr" in result.output


@pytest.fixture(scope="module")
def example_findings() -> list:
    from compliance.pipeline.check import get_profile, load_default_catalog, run_check

    catalog = load_default_catalog(ROOT)
    findings = []
    for folder in ("harbin", "gansu", "sichuan", "hebei"):
        result = run_check(catalog, get_profile(catalog, "auto"), sorted((EXAMPLES / folder).glob("*.xlsx")))
        findings += [f for subject in result.subjects for f in subject.findings]
    return findings


def test_english_wording_of_generated_values_has_no_chinese(example_findings: list) -> None:
    from compliance.report import wording

    assert len({f.kind for f in example_findings}) >= 8
    for finding in example_findings:
        for word in (wording.observed, wording.required, wording.gap):
            english = word(finding, "en")
            assert not CJK.search(english), (finding.rule_id, finding.kind, english)
        if finding.kind != "quality":  # a data-quality check keeps its own sentence
            assert not CJK.search(wording.conclusion(finding, "en")), finding.rule_id


def test_chinese_wording_is_what_the_kinds_wrote(example_findings: list) -> None:
    from compliance.report import wording

    met = 0
    for finding in example_findings:
        assert wording.observed(finding, "zh") == finding.observed_text
        assert wording.required(finding, "zh") == finding.required_text
        if finding.status.value == "pass" and not finding.gap:  # a met requirement has no gap to show
            met += 1
            assert wording.gap(finding, "zh") == "—"
        else:
            assert wording.gap(finding, "zh") == finding.gap_text
        assert wording.conclusion(finding, "zh") == finding.message
    assert met and met < len(example_findings)


@pytest.mark.parametrize("chinese, english", [
    ("不低于 60.0%", "≥ 60.0%"),
    ("8.0 个百分点", "8.0 pp"),
    ("2,200 万元", "2,200 ×10k yuan"),
    ("15.0% 左右（±3.0 个百分点）", "about 15.0% (± 3.0 pp)"),
    ("2/3 个单位达标", "2 of 3 units meet it"),
    ("全部单位不低于 1 人", "every unit ≥ 1 people"),
    ("3 个", "3 items"),
    ("较上年提高", "higher than last year"),
    ("-107 天", "-107 days"),
    ("是", "Yes"),
    ("0.5 张/千人", "0.5 per 1,000 people"),
])
def test_generated_phrases_in_english(chinese: str, english: str) -> None:
    from compliance.report import wording

    assert wording.phrase(chinese, "en") == english
    assert wording.phrase(chinese, "zh") == chinese


def test_subject_attributes_domains_and_fields_in_english() -> None:
    from compliance.rules.vocab import VOCABULARIES

    for vocabulary, (codes, _) in VOCABULARIES.items():
        for code, chinese in codes.items():
            assert i18n.vocab_label(vocabulary, code, "zh") == chinese
            assert not CJK.search(i18n.vocab_label(vocabulary, code, "en")), (vocabulary, code)
    assert i18n.vocab_label("grade", None, "en") == "not given"
    assert i18n.domain_label("药品价格", "en") == "Drug prices"
    assert i18n.domain_label("某个新领域", "en") == "某个新领域"  # a pack's new domain stays as written


def test_every_domain_of_the_packs_has_an_english_name() -> None:
    from compliance.pipeline.check import load_default_catalog

    catalog = load_default_catalog(ROOT)
    for rule in catalog.rules:
        assert not CJK.search(i18n.domain_label(rule.domain, "en")), (rule.id, rule.domain)

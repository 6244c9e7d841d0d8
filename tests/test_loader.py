"""Rule files are validated on load; errors name file, line and problem."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from compliance.errors import ExpressionError, RuleFileError
from compliance.rules.expressions import DivisionByZero, parse_expression
from compliance.rules.loader import load_catalog, load_pack

from .conftest import ROOT

GANSU = (ROOT / "rules" / "gansu-2020h2.yaml").read_text(encoding="utf-8")


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "gansu-2020h2.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def _line_of(text: str, needle: str) -> int:
    return text[: text.index(needle)].count("\n") + 1


def test_bundled_packs_and_profiles_load() -> None:
    catalog = load_catalog(ROOT / "rules", ROOT / "checks")
    assert {"harbin-2017", "gansu-2020h2"} <= {pack.document.pack for pack in catalog.packs}
    assert "headline" in catalog.profiles


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        ('comparator: ">="', 'comparator: "=>"', "comparator: must be one of"),
        ("kind: threshold", "kind: thresold", "kind: must be one of"),
        ("expression: incentive_performance_pay / total_performance_pay",
         "expression: incentive_pay / total_performance_pay", "unknown field incentive_pay"),
        ("expression: incentive_performance_pay / total_performance_pay",
         "expression: __import__('os').system('true')", "not allowed"),
        ("threshold: 0.6", "threshold: sixty", "must be a number"),
        ("    domain: 薪酬制度", "    domian: 薪酬制度", "unknown key"),
        ("    domain: 薪酬制度", "    effective_from: 2020-13-45\n    domain: 薪酬制度", "must be a date"),
        ("  validity: 有效", "  validity: 作废", "validity: must be one of 有效, 失效, 废止"),
        ("    continues: true", "    continues: yes please", "must be true or false"),
    ],
)
def test_malformed_rule_names_file_line_and_problem(tmp_path: Path, old: str, new: str, message: str) -> None:
    assert old in GANSU
    text = GANSU.replace(old, new, 1)
    path = _write(tmp_path, text)
    with pytest.raises(RuleFileError) as caught:
        load_pack(path)
    error = caught.value
    assert error.path == str(path)
    assert message in str(error)
    assert error.line == _line_of(text, new.split("\n")[0].strip()), str(error)


def test_yaml_syntax_error_has_line(tmp_path: Path) -> None:
    text = GANSU.replace("    title: 绩效工资用于激励的比例不低于60%", "    title: [unclosed", 1)
    with pytest.raises(RuleFileError) as caught:
        load_pack(_write(tmp_path, text))
    assert caught.value.line is not None and "YAML syntax error" in str(caught.value)


def test_duplicate_key_is_an_error(tmp_path: Path) -> None:
    text = GANSU.replace("    domain: 薪酬制度", "    domain: 薪酬制度\n    domain: 其他", 1)
    with pytest.raises(RuleFileError, match="appears twice"):
        load_pack(_write(tmp_path, text))


def test_unknown_pack_in_profile(tmp_path: Path) -> None:
    rules = tmp_path / "rules"
    checks = tmp_path / "checks"
    rules.mkdir()
    checks.mkdir()
    (rules / "gansu-2020h2.yaml").write_text(GANSU, encoding="utf-8")
    (checks / "p.yaml").write_text("profile: p\ntitle: t\nsubject_level: hospital\npacks: [nowhere]\n", encoding="utf-8")
    with pytest.raises(RuleFileError, match="unknown rule pack 'nowhere'") as caught:
        load_catalog(rules, checks)
    assert caught.value.line == 4


@pytest.mark.parametrize(
    ("text", "values", "expected"),
    [("a / b", {"a": 1, "b": 4}, 0.25), ("(a - b) / b", {"a": 11.5, "b": 10}, 0.15), ("-a + 2 * b", {"a": 1, "b": 2}, 3)],
)
def test_expressions_evaluate(text: str, values: dict[str, float], expected: float) -> None:
    assert parse_expression(text).evaluate(values) == pytest.approx(expected)


@pytest.mark.parametrize("text", ["a ** 2", "f(a)", "a.b", "a[0]", "lambda: 1", "a if b else c", "'x'", "_a + 1", "a < b"])
def test_expressions_reject_anything_but_arithmetic(text: str) -> None:
    with pytest.raises(ExpressionError):
        parse_expression(text)


def test_division_by_zero_names_the_denominator() -> None:
    with pytest.raises(DivisionByZero, match="total"):
        parse_expression("part / total").evaluate({"part": 1, "total": 0})


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=80))
def test_expression_parser_never_crashes(text: str) -> None:
    try:
        expression = parse_expression(text)
    except ExpressionError:
        return
    assert all(name.isidentifier() for name in expression.fields)


SICHUAN = (ROOT / "rules" / "sichuan-14fyp.yaml").read_text(encoding="utf-8")
ROW_QUOTE = 'quote: "基本医疗保险参保率 | 95%以上 | 稳定在95%以上 | 覆盖范围 | 约束性"'
ROW_COLUMNS = "quote_columns: [主要指标, 2020年, 2025年, 考察维度, 指标属性]"


def test_a_quote_from_a_table_row_keeps_its_cells_and_headings() -> None:
    pack = load_pack(ROOT / "rules" / "sichuan-14fyp.yaml")
    rule = next(r for r in pack.rules if r.id == "sichuan-14fyp.bmi-enrollment-rate")
    assert rule.citation.quote_table == (("主要指标", "基本医疗保险参保率"), ("2020年", "95%以上"),
                                         ("2025年", "稳定在95%以上"), ("考察维度", "覆盖范围"), ("指标属性", "约束性"))
    assert "|" not in rule.citation.quote_text and rule.citation.quote_text.startswith("主要指标：基本医疗保险参保率；")
    assert all(r.citation.quote_table or "|" not in r.citation.quote for r in pack.rules)


@pytest.mark.parametrize(("new", "message", "key"), [
    (ROW_QUOTE, "needs quote_columns", "quote:"),  # the headings left out
    (ROW_QUOTE + "\n    quote_columns: [主要指标, 2020年]", "2 headings for 5 cells", "quote_columns:"),
    ('quote: "一句不是表格行的原文"\n    ' + ROW_COLUMNS, "not a table row", "quote_columns:"),
])
def test_a_table_row_quote_is_validated_with_file_and_line(tmp_path: Path, new: str, message: str, key: str) -> None:
    text = SICHUAN.replace(ROW_QUOTE + "\n    " + ROW_COLUMNS, new, 1)
    assert text != SICHUAN
    path = tmp_path / "sichuan-14fyp.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(RuleFileError, match=message) as raised:
        load_pack(path)
    start = text.index(new)
    assert raised.value.path == str(path) and raised.value.line == text[:start + new.index(key)].count("\n") + 1

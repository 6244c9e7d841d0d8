"""What a rule file may cost and contain: no YAML aliases, bounded size and nesting, and remediation
templates that are plain substitutions, each refused at load with file, line, problem and fix."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest
from jinja2 import TemplateError
from jinja2.exceptions import SecurityError

from compliance.cli.main import main
from compliance.errors import RuleFileError
from compliance.results.run import CheckResult
from compliance.results.status import ExitCode, Status
from compliance.rules import yamlfile
from compliance.rules.loader import load_catalog, load_pack
from compliance.rules.templates import TEMPLATE_NAMES, RuleTextEnvironment
from compliance.wording.findings import remediation, remediation_values

from .conftest import EXAMPLES, ROOT

GANSU = (ROOT / "rules" / "gansu-2020h2.yaml").read_text(encoding="utf-8")
REMEDIATION = next(line.strip() for line in GANSU.splitlines() if "调整约 {{ gap_amount }}" in line)
INCENTIVE = "gansu-2020h2.incentive-share-of-performance-pay"


def _write(folder: Path, text: str) -> Path:
    path = folder / "gansu-2020h2.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def _line_of(text: str, needle: str) -> int:
    return text[: text.index(needle)].count("\n") + 1


def _bomb(levels: int = 9, width: int = 9) -> str:
    """A "billion laughs": `width` ** `levels` strings once its aliases are expanded."""
    lines = ["not_encoded:", "  - &a0 [" + ", ".join(["lol"] * width) + "]"]
    lines += [f"  - &a{i} [" + ", ".join([f"*a{i - 1}"] * width) + "]" for i in range(1, levels + 1)]
    return "\n".join([*lines, f"pack: *a{levels}", ""])


# ---------------------------------------------------------------- YAML


def test_an_alias_bomb_is_refused_before_any_value_is_built(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def built(*_: object) -> None:
        pytest.fail("the document was constructed", pytrace=False)  # no traceback: the bomb's repr is the bomb

    monkeypatch.setattr(yamlfile._LineLoader, "construct_document", built)
    path = tmp_path / "bomb.yaml"
    path.write_text(_bomb(), encoding="utf-8")
    with pytest.raises(RuleFileError, match=r"alias \*a0 is not allowed") as caught:
        load_pack(path)
    assert caught.value.path == str(path) and caught.value.line == 3 and caught.value.fix


def test_a_merge_key_is_refused_at_its_alias(tmp_path: Path) -> None:
    text = GANSU.replace("rules:\n", "x-defaults: &defaults {binding: plain}\nrules:\n", 1)
    text = text.replace("    binding: plain\n", "    <<: *defaults\n", 1)
    assert text.count("*defaults") == 1
    with pytest.raises(RuleFileError, match=r"alias \*defaults") as caught:
        load_pack(_write(tmp_path, text))
    assert caught.value.line == _line_of(text, "<<: *defaults")


def test_bundled_rule_files_use_no_aliases() -> None:
    catalog = load_catalog(ROOT / "rules", ROOT / "checks")
    assert catalog.packs and catalog.profiles


def test_deep_nesting_is_refused_with_a_line(tmp_path: Path) -> None:
    path = _write(tmp_path, "pack: " + "[" * 5000 + "]" * 5000 + "\n")
    with pytest.raises(RuleFileError, match=f"nested more than {yamlfile.MAX_DEPTH} levels") as caught:
        load_pack(path)
    assert caught.value.line == 1


def test_a_file_over_the_size_limit_is_refused_unread(tmp_path: Path) -> None:
    padding = "#" * (yamlfile.MAX_FILE_BYTES - len(GANSU.encode()) + 1)
    path = _write(tmp_path, GANSU + padding + "\n")
    with pytest.raises(RuleFileError, match="larger than") as caught:
        load_pack(path)
    assert caught.value.path == str(path) and caught.value.fix


# ---------------------------------------------------------------- remediation templates


@pytest.mark.parametrize(("template", "problem"), [
    ("{{ gap ", "template syntax error"),
    ("{{ gapp }}", "unknown name 'gapp' (did you mean gap?)"),
    ("{{ gap.__init__ }}", "attribute access"),
    ("{{ ''.__class__ }}", "attribute access"),
    ("{{ observed.upper() }}", "a call"),
    ("{{ range(3) }}", "a call"),
    ("{{ gap['a'] }}", "item access"),
    ("{{ gap[0:2] }}", "item access"),
    ("{{ gap | upper }}", "a filter"),
    ("{% filter upper %}{{ gap }}{% endfilter %}", "a filter block"),
    ("{% if gap is defined %}{{ gap }}{% endif %}", "a test (x is ...) is not allowed in {% if %}"),
    ("{% if not gap %}x{% endif %}", "is not allowed in {% if %}"),
    ("{% for x in failing_items %}{{ x }}{% endfor %}", "a loop"),
    ("{% set x = gap %}{{ x }}", "an assignment"),
    ("{% macro m() %}{% endmacro %}", "a macro"),
    ("{% include 'other' %}", "an include"),
    ("{% extends 'other' %}", "template inheritance"),
    ("{% with x = gap %}{{ x }}{% endwith %}", "a scope"),
    ("{{ 7 * 7 }}", "an expression with operators"),
    ("{{ gap ~ observed }}", "an expression with operators"),
    ("{{ 'text' }}", "a literal value"),
    ("{{ " + "(" * 3000 + "gap" + ")" * 3000 + " }}", "nested too deeply"),
])
def test_a_template_that_is_not_plain_substitution_is_refused_at_load(
        tmp_path: Path, template: str, problem: str) -> None:
    text = GANSU.replace(REMEDIATION, f'remediation: "调整约 {template}"', 1)
    assert text != GANSU
    path = _write(tmp_path, text)
    with pytest.raises(RuleFileError) as caught:
        load_pack(path)
    error = caught.value
    assert error.path == str(path) and error.line == _line_of(text, 'remediation: "调整约')
    assert "remediation" in error.problem and problem in error.problem, str(error)
    assert all(name in error.fix for name in TEMPLATE_NAMES)


def test_a_multi_line_template_names_its_own_line(tmp_path: Path) -> None:
    text = GANSU.replace(REMEDIATION, "remediation: |\n      调整约 {{ gap_amount }}，\n      再 {{ gap.x }}", 1)
    with pytest.raises(RuleFileError, match="template line 2: attribute access") as caught:
        load_pack(_write(tmp_path, text))
    assert caught.value.line == _line_of(text, "remediation: |")


def test_a_template_may_choose_text_on_a_name(tmp_path: Path, checked: CheckResult) -> None:
    template = "{% if deadline %}于 {{ deadline }} 前{% elif gap_amount %}调整约 {{ gap_amount }}{% else %}尽快{% endif %}"
    pack = load_pack(_write(tmp_path, GANSU.replace(REMEDIATION, f"remediation: '{template}'", 1)))
    rule = next(r for r in pack.rules if r.id == INCENTIVE)
    finding = next(f for f in checked.findings if f.rule_id == INCENTIVE)
    assert finding.status is Status.FAIL
    assert remediation(dataclasses.replace(finding, remediation_template=rule.remediation), "en") == "调整约 120 万元"


def test_the_renderer_provides_exactly_the_names_a_template_may_use(checked: CheckResult) -> None:
    for finding in checked.findings:
        assert set(remediation_values(finding, "zh")) == TEMPLATE_NAMES


@pytest.mark.parametrize("template", ["{{ gap.__class__ }}", "{{ gap['a'] }}", "{{ gap.upper() }}",
                                      "{{ gap | upper }}", "{{ range(3) }}", "{{ gap is string }}"])
def test_the_sandbox_refuses_what_the_loader_refuses(template: str) -> None:
    with pytest.raises((SecurityError, TemplateError)):
        RuleTextEnvironment().from_string(template).render(gap="x")


# ---------------------------------------------------------------- command line


def _home(tmp_path: Path, text: str) -> tuple[Path, Path]:
    (tmp_path / "rules").mkdir()
    (tmp_path / "checks").mkdir()
    (tmp_path / "checks" / "gansu-hospitals.yaml").write_text(
        (ROOT / "checks" / "gansu-hospitals.yaml").read_text(encoding="utf-8"), encoding="utf-8")
    return tmp_path, _write(tmp_path / "rules", text)


@pytest.mark.parametrize(("replace", "problem"), [
    ((REMEDIATION, "remediation: '{{ gap.__init__ }}'"), "attribute access"),
    ((REMEDIATION, "remediation: '{{ gap '"), "template syntax error"),
    (("rules:\n", "rules: &all\n"), None),
])
def test_validate_and_check_exit_2_with_one_line_naming_file_and_line(
        runner, tmp_path: Path, replace: tuple[str, str], problem: str | None) -> None:
    text = GANSU.replace(*replace, 1)
    if problem is None:  # an anchor alone is harmless; the alias that uses it is refused
        text += "not_encoded: *all\n"
        line, problem = text.count("\n"), "alias *all"
    else:
        line = _line_of(text, replace[1])
    home, path = _home(tmp_path, text)
    commands = [["rules", "validate", str(path)], ["--home", str(home), "rules", "validate"],
                ["--home", str(home), "check", "--profile", "gansu-hospitals",
                 str(EXAMPLES / "hospital-noncompliant.xlsx")]]
    for command in commands:
        result = runner.invoke(main, command)
        assert result.exit_code == ExitCode.USAGE_OR_INPUT_ERROR, (command, result.output)
        assert "Traceback" not in result.output and not result.stdout, (command, result.output)
        assert len(result.stderr.strip().splitlines()) == 1, (command, result.stderr)
        assert f"{path}:{line}: " in result.stderr and problem in result.stderr, (command, result.stderr)

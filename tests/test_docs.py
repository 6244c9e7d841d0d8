"""The docs cover every rule kind and status code, and the README every exit code."""

from __future__ import annotations

import re

from compliance.results.status import ExitCode, Status
from compliance.rules.kinds import KINDS

from .conftest import ROOT

RULES_DOC = (ROOT / "docs" / "rules.md").read_text(encoding="utf-8")
README = (ROOT / "README.md").read_text(encoding="utf-8")


def test_every_rule_kind_is_documented() -> None:
    for name in KINDS:
        assert f"### `{name}`" in RULES_DOC, name


def test_every_status_code_is_documented() -> None:
    for status in Status:
        assert f"| `{status.value}` |" in RULES_DOC, status
        assert f"`{status.value}`" in README, status


def test_every_reason_code_is_documented() -> None:
    from compliance.results.status import Reason

    for reason in Reason:
        assert f"| `{reason.value}` |" in RULES_DOC, reason


def test_every_data_problem_code_is_documented() -> None:
    from compliance.results.problems import PROBLEM_MEANING

    section = RULES_DOC.split("## Data problem codes", 1)[1].split("\n## ", 1)[0]
    documented = re.findall(r"^\| `(\w+)` \|", section, flags=re.MULTILINE)
    assert sorted(documented) == sorted(PROBLEM_MEANING)  # each once, and none that does not exist


def test_every_exit_code_is_in_the_readme() -> None:
    for code in ExitCode:
        assert f"| {code.value} |" in README, code


def test_readme_names_every_top_level_folder() -> None:
    for folder in ("rules/", "checks/", "inputs/templates/", "reports/", "src/compliance/", "tests/", "examples/"):
        assert f"`{folder}`" in README, folder


def test_readme_rule_counts_match_the_packs(catalog) -> None:
    for pack in catalog.packs:
        hospital = sum(rule.applies.level == "hospital" for rule in pack.rules)
        region = len(pack.rules) - hospital
        row = next(line for line in README.splitlines() if line.startswith(f"| `{pack.document.pack}` |"))
        assert row.endswith(f"| {len(pack.rules)} | {hospital} | {region} |"), row


def test_every_output_problem_code_is_in_the_readme() -> None:
    from compliance.outputs import OUTPUT_PROBLEM_MEANING

    section = README.split("### How outputs are written", 1)[1].split("\n## ", 1)[0]
    documented = re.findall(r"^\| `(\w+)` \|", section, flags=re.MULTILINE)
    assert sorted(documented) == sorted(OUTPUT_PROBLEM_MEANING)


def test_every_trend_code_is_documented() -> None:
    from compliance.results.history import TREND_MEANING, Trend

    assert set(TREND_MEANING) == set(Trend)
    for trend in Trend:
        assert f"| `{trend.value}` |" in RULES_DOC, trend
        assert f"`{trend.value}`" in README, trend


def test_every_upload_code_is_in_the_readme_and_worded() -> None:
    from compliance.web.processing import Rejection
    from compliance.web.uploads import Refusal
    from compliance.wording.catalogue import LANGUAGES, messages

    section = README.split("## Web portal", 1)[1].split("\n## ", 1)[0]
    documented = re.findall(r"^\| `(upload_\w+)` \|", section, flags=re.MULTILINE)
    codes = [code.value for code in (*Refusal, *Rejection)]
    assert sorted(documented) == sorted(codes)
    for lang in LANGUAGES:
        for code in Refusal:
            assert f"web.refusal.{code.value}" in messages(lang), (lang, code)
        for code in Rejection:
            assert f"web.reason.{code.value}" in messages(lang), (lang, code)

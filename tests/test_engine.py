"""The durable-rules traps, each handled in compliance.evaluation.engine and tested here."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest
from openpyxl import Workbook

from compliance.errors import RuleFileError
from compliance.evaluation import engine
from compliance.evaluation.engine import Criterion, Fact, Verdict
from compliance.pipeline.check import get_profile, run_check
from compliance.rules.loader import load_pack


def _rss_mb() -> float:
    pages = int(Path("/proc/self/statm").read_text().split()[1])
    return pages * 4096 / 1e6


def test_classifies_met_not_met_and_missing() -> None:
    compiled = engine.compile_criteria([Criterion("share", ">=", 0.6), Criterion("zero", "==", 0.0), Criterion("cap", "<=", 0.1)])
    verdicts = engine.classify(compiled, [
        Fact("share", 0.6), Fact("share", 0.5999), Fact("share", None),
        Fact("zero", 0.0), Fact("zero", 0.000001), Fact("cap", 0.1), Fact("cap", 0.100001),
    ])
    assert verdicts == [Verdict.MET, Verdict.NOT_MET, Verdict.MISSING, Verdict.MET, Verdict.NOT_MET,
                        Verdict.MET, Verdict.NOT_MET]


def test_missing_value_is_never_met() -> None:
    # durable-rules does not fire a rule on a None value; the engine asserts missing explicitly.
    compiled = engine.compile_criteria([Criterion("x", ">=", 0.0)])
    assert engine.classify(compiled, [Fact("x", None)]) == [Verdict.MISSING]


def test_fact_no_rule_matches_is_reported_not_raised() -> None:
    # durable-rules would raise MessageNotHandledException; a fact of no compiled test is UNMATCHED.
    compiled = engine.compile_criteria([Criterion("x", ">=", 0.0)])
    assert engine.classify(compiled, [Fact("not-a-test", 1.0), Fact("x", 1.0)]) == [Verdict.UNMATCHED, Verdict.MET]


def test_identical_facts_are_not_deduplicated() -> None:
    # durable-rules drops a fact whose id it has seen; each fact gets a synthetic id.
    compiled = engine.compile_criteria([Criterion("x", ">=", 0.5)])
    assert engine.classify(compiled, [Fact("x", 0.4)] * 5) == [Verdict.NOT_MET] * 5


def test_each_criterion_is_a_ruleset_of_its_own_shared_by_every_compilation_holding_it() -> None:
    """A session costs in proportion to its ruleset's size, so facts go to their criterion's own
    ruleset; interleaved facts of several criteria still come back in their order."""
    both = engine.compile_criteria([Criterion("own-a", ">=", 1.0), Criterion("own-b", "<", 2.0)])
    alone = engine.compile_criteria([Criterion("own-b", "<", 2.0)])
    assert len({name for _, name in both.rulesets}) == 2
    assert alone.by_key["own-b"] == both.by_key["own-b"]
    facts = [Fact("own-a", 1.0), Fact("own-b", 1.0), Fact("own-a", 0.5), Fact("own-b", None), Fact("own-b", 3.0)]
    assert engine.classify(both, facts) == [Verdict.MET, Verdict.MET, Verdict.NOT_MET, Verdict.MISSING,
                                            Verdict.NOT_MET]
    assert engine.live_fact_count(both, engine.last_session()) == 0

def test_test_keys_named_id_and_sid_are_plain_values() -> None:
    compiled = engine.compile_criteria([Criterion("id", ">=", 1.0), Criterion("sid", "<=", 1.0)])
    assert engine.classify(compiled, [Fact("id", 2.0), Fact("sid", 2.0)]) == [Verdict.MET, Verdict.NOT_MET]


def test_numbers_python_writes_with_an_exponent_are_compared() -> None:
    # json.dumps writes 1e-07 and 1e+16; durable's parser rejects exponents (error 204).
    compiled = engine.compile_criteria([Criterion("tiny", ">=", 1e-5), Criterion("big", "<=", 5e9)])
    verdicts = engine.classify(compiled, [Fact("tiny", 2e-5), Fact("tiny", 1e-7), Fact("big", 1e9), Fact("big", 1e16)])
    assert verdicts == [Verdict.MET, Verdict.NOT_MET, Verdict.MET, Verdict.OUT_OF_RANGE]


def test_state_is_deleted_after_each_evaluation_and_memory_stays_flat() -> None:
    compiled = engine.compile_criteria([Criterion("flat", ">=", 0.5)])
    facts = [Fact("flat", 0.1 * i) for i in range(10)]
    for _ in range(200):
        engine.classify(compiled, facts)
    before = _rss_mb()
    # More than durable-rules' ~1024 live sessions: without cleanup this raises MemoryError.
    for _ in range(3000):
        engine.classify(compiled, facts)
    growth = _rss_mb() - before
    assert engine.live_fact_count(compiled, engine.last_session()) == 0
    assert growth < 15, f"memory grew by {growth:.1f} MB over 3000 evaluations"


ONE_EVALUATION_OF_A_COUNTRY = """
import resource
from compliance.evaluation import engine
from compliance.evaluation.engine import Criterion, Fact, Verdict
compiled = engine.compile_criteria([Criterion("big", ">=", 0.5), Criterion("small", "<", 0.2)])
facts = [Fact("big" if i % 3 else "small", (i % 100) / 100) for i in range(120_000)]
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
verdicts = engine.classify(compiled, facts)
expected = [Verdict.MET if ((i % 100) >= 50 if i % 3 else (i % 100) < 20) else Verdict.NOT_MET
            for i in range(120_000)]
assert verdicts == expected
assert engine.live_fact_count(compiled, engine.last_session()) == 0
print((resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before) / 1024)
"""


def test_one_evaluation_of_120000_facts_never_holds_them_in_one_session() -> None:
    """A country's region evaluation: one fact per hospital and rule.  In one session durable-rules
    would hold ~8.5 KB per fact (about 1 GB); in sessions of MAX_FACTS_PER_SESSION, a few MiB."""
    import subprocess
    import sys

    done = subprocess.run([sys.executable, "-c", ONE_EVALUATION_OF_A_COUNTRY], capture_output=True, text=True,
                          timeout=300, check=False)
    assert done.returncode == 0, done.stderr
    growth_mib = float(done.stdout.split()[-1])
    assert growth_mib < 200, f"peak memory grew by {growth_mib:.0f} MiB classifying 120,000 facts"


def test_concurrent_callers_are_serialised() -> None:
    compiled = engine.compile_criteria([Criterion("t", ">=", 50.0)])
    errors: list[BaseException] = []
    results: dict[int, list[Verdict]] = {}

    def work(worker: int) -> None:
        try:
            facts = [Fact("t", float(v)) for v in range(100)]
            for _ in range(20):
                results[worker] = engine.classify(compiled, facts)
        except BaseException as exc:  # noqa: BLE001
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(n,)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    expected = [Verdict.NOT_MET] * 50 + [Verdict.MET] * 50
    assert all(verdicts == expected for verdicts in results.values())


def test_submitted_columns_named_id_and_sid_do_not_disturb_evaluation(catalog, tmp_path: Path) -> None:
    H1, H2, H3 = "12620100MB00002012", "12620100MB00002025", "12620100MB00002038"  # valid unified social credit codes
    sheet_book = Workbook()
    sheet = sheet_book.active
    sheet.append(["id", "sid", "institution_code", "institution_name", "province", "city", "ownership", "period",
                  "total_performance_pay", "incentive_performance_pay"])
    sheet.append([1, 1, H1, "甲医院", "甘肃省", "兰州市", "公立", "2024", 1000, 500])
    sheet.append([1, 1, H2, "乙医院", "甘肃省", "兰州市", "公立", "2024", 1000, 500])
    sheet.append([1, 1, H3, "丙医院", "甘肃省", "兰州市", "公立", "2024", 1000, 700])
    path = tmp_path / "flat.xlsx"
    sheet_book.save(path)
    result = run_check(catalog, get_profile(catalog, "gansu-hospitals"), [path])
    statuses = {(f.subject_id, f.rule_id): f.status.value for f in result.findings}
    share = "gansu-2020h2.incentive-share-of-performance-pay"
    assert statuses[(H1, share)] == "fail"
    assert statuses[(H2, share)] == "fail"
    assert statuses[(H3, share)] == "pass"


def test_rule_files_cannot_declare_id_or_sid_fields(tmp_path: Path) -> None:
    source = (Path(__file__).resolve().parents[1] / "rules" / "gansu-2020h2.yaml").read_text(encoding="utf-8")
    broken = source.replace("code: total_performance_pay", "code: sid", 1)
    path = tmp_path / "gansu-2020h2.yaml"
    path.write_text(broken, encoding="utf-8")
    with pytest.raises(RuleFileError, match="reserved"):
        load_pack(path)


def test_engine_is_the_only_module_importing_durable() -> None:
    src = Path(__file__).resolve().parents[1] / "src" / "compliance"
    importers = [p.relative_to(src).as_posix() for p in src.rglob("*.py") if "durable" in p.read_text(encoding="utf-8")
                 and ("import durable" in p.read_text(encoding="utf-8") or "from durable" in p.read_text(encoding="utf-8"))]
    assert importers == ["evaluation/engine.py"]

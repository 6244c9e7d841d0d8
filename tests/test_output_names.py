"""Output file names: safe on Windows, macOS and Linux for any code, unique within a run, stable."""

from __future__ import annotations

import random
import unicodedata

from hypothesis import given, settings
from hypothesis import strategies as st

from compliance.outputs.names import (
    MAX_CODE_BYTES,
    collision_key,
    safe_component,
    subject_hash,
    subject_stems,
)
from compliance.results.identity import Subject
from compliance.results.periods import Period, parse_period

FORBIDDEN = set('<>:"/\\|?*') | {chr(c) for c in range(32)} | {"\x7f"}
DEVICES = {"CON", "PRN", "AUX", "NUL", *(f"COM{n}" for n in range(1, 10)), *(f"LPT{n}" for n in range(1, 10))}
PERIODS = [parse_period("2024"), parse_period("2024年上半年")]


def subject(code: str, period: Period = PERIODS[0], level: str = "hospital") -> Subject:
    return Subject(code, f"{code}医院", "四川省", "成都市", None, None, None, period, level)


def assert_safe(name: str) -> None:
    assert name, "empty name"
    assert not (set(name) & FORBIDDEN), name
    assert not any(unicodedata.category(ch) in ("Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp") for ch in name), name
    assert name[0] not in ".- " and name[-1] not in ". ", name
    assert name.split(".", 1)[0].upper() not in DEVICES, name
    assert unicodedata.normalize("NFC", name) == name
    assert len(name.encode("utf-8")) <= 160, name


codes = st.text(min_size=0, max_size=120)
subjects = st.lists(st.tuples(codes, st.sampled_from(PERIODS), st.sampled_from(["hospital", "region"])),
                    min_size=1, max_size=12)


@settings(max_examples=300, deadline=None)
@given(subjects)
def test_names_are_safe_and_unique_for_any_codes(raw: list[tuple[str, Period, str]]) -> None:
    given_subjects = [subject(code, period, level) for code, period, level in raw]
    stems = subject_stems(given_subjects).stems
    for stem in stems:
        assert_safe(f"{stem}-inspection-report.pdf")
    assert len({collision_key(stem) for stem in stems}) == len(stems)


@settings(max_examples=100, deadline=None)
@given(subjects, st.randoms(use_true_random=False))
def test_a_subject_gets_the_same_name_whatever_the_order(raw: list[tuple[str, Period, str]],
                                                         shuffler: random.Random) -> None:
    given_subjects = list({subject(code, period, level).key: subject(code, period, level)
                           for code, period, level in raw}.values())
    first = dict(zip([s.key for s in given_subjects], subject_stems(given_subjects).stems))
    shuffled = list(given_subjects)
    shuffler.shuffle(shuffled)
    second = dict(zip([s.key for s in shuffled], subject_stems(shuffled).stems))
    assert first == second


@given(st.text(max_size=400))
def test_a_component_is_bounded_and_safe(text: str) -> None:
    component = safe_component(text)
    assert len(component.encode("utf-8")) <= MAX_CODE_BYTES + 1  # + the "_" before a device name
    if component:
        assert_safe(component)


def test_codes_that_differ_only_in_punctuation_get_names_of_their_own_and_a_warning() -> None:
    slash, underscore = subject("ABC/123"), subject("ABC_123")
    stems = subject_stems([slash, underscore])
    assert stems.stems == (f"ABC_123-2024-{subject_hash(slash)}", f"ABC_123-2024-{subject_hash(underscore)}")
    assert len(stems.collisions) == 1
    collision = stems.collisions[0]
    assert collision.plain == "ABC_123-2024" and collision.subjects == (slash, underscore)
    assert collision.names == stems.stems


def test_chinese_codes_keep_their_characters() -> None:
    stems = subject_stems([subject("哈尔滨一院"), subject("哈尔滨二院")])
    assert stems.stems == ("哈尔滨一院-2024", "哈尔滨二院-2024") and not stems.collisions


def test_codes_a_case_insensitive_or_normalising_disk_cannot_tell_apart_are_told_apart() -> None:
    composed, decomposed = "Caf\u00e9", "Cafe\u0301"
    stems = subject_stems([subject("abc"), subject("ABC"), subject(composed), subject(decomposed)])
    assert len({collision_key(stem) for stem in stems.stems}) == 4
    assert len(stems.collisions) == 2


def test_a_hospital_and_a_region_with_one_code_get_two_names() -> None:
    stems = subject_stems([subject("510000"), subject("510000", level="region")])
    assert stems.stems[0] != stems.stems[1] and len(stems.collisions) == 1


def test_the_same_subject_twice_still_gets_two_names() -> None:
    stems = subject_stems([subject("X1"), subject("X1")])
    assert len(set(stems.stems)) == 2


def test_unsafe_codes() -> None:
    assert safe_component("../../etc/passwd") == "etc_passwd"
    assert safe_component("CON") == "_CON"
    assert safe_component("nul.txt") == "_nul.txt"
    assert safe_component("a\x00b\tc") == "a_b_c"
    assert safe_component(" .hidden. ") == "hidden"
    assert safe_component("///") == ""
    assert subject_stems([subject("///")]).stems == ("subject-2024",)
    assert len(safe_component("码" * 200).encode()) <= MAX_CODE_BYTES

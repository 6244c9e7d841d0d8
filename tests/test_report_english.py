"""English reports of every bundled example: no Chinese but what they quote from the rule packs and
the submissions (text extracted from the PDFs, those known strings removed)."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

from compliance.pipeline.check import get_profile, run_check
from compliance.report import write_reports
from compliance.results.run import CheckResult
from compliance.results.status import Status
from compliance.rules.spec import Catalog
from compliance.wording import findings as worded
from compliance.wording.catalogue import status_label

from .conftest import EXAMPLES

CJK = re.compile(r"[\u3000-\u303f\u3400-\u9fff\uff00-\uffef]")
CJK_RUN = re.compile(r"[\u3000-\u303f\u3400-\u9fff\uff00-\uffef]+")
EXAMPLE_SETS = ["harbin", "gansu", "sichuan", "hebei", "hospital-noncompliant.xlsx", "hospital-compliant.xlsx",
                "hospitals-flat.xlsx"]
# Page furniture that pdftotext puts between the two halves of a line broken by a page: the running
# header and footer, and a finding's status badge repeated on the next page.
FURNITURE = {s.value for s in Status} | {status_label(s, "en") for s in Status}


def quoted(result: CheckResult, catalog: Catalog) -> list[str]:
    """Everything the reports quote as written: rule-pack text and submitted text, longest first,
    without whitespace (lines wrap anywhere)."""
    texts: set[str] = set()
    for rule in catalog.rules:
        texts |= {rule.title, rule.citation.quote, rule.citation.clause, rule.citation.document_title,
                  rule.citation.document_number, rule.applies.description, rule.jurisdiction.label,
                  rule.spec.measure_name}
        texts |= {text for pair in rule.citation.quote_table for text in pair}
    texts |= {p.title for p in catalog.profiles.values()}
    texts |= {f.name for f in catalog.fields.values()}
    texts |= {t.name for t in catalog.tables.values()} | {c.name for t in catalog.tables.values() for c in t.columns}
    for subject in result.subjects:
        texts |= {subject.subject.name, subject.subject.province or "", subject.subject.city or "",
                  subject.submission.path}
        texts |= {str(i.value) for i in subject.identification} | {str(i.cell) for i in subject.identification if i.cell}
        for f in subject.findings:
            texts |= {f.measure, f.title, f.gap_amount_label, worded.remediation(f, "en")}
            texts |= {str(value) for value in f.details.values() if isinstance(value, str)}
            texts |= {i.label for i in f.items} | {i.note for i in f.items}
            texts |= {name for i in f.items for name in i.missing + i.zero}
            texts |= {i.source.sheet for i in f.items if i.source} | {i.source.file for i in f.items if i.source}
            texts |= {q.unit for q in f.gap_amounts} | {i.gap_amount.unit for i in f.items if i.gap_amount}
            texts |= {c.name for c in f.contributors}
            for used in f.inputs:
                texts |= {used.name, used.item, str(used.value), *used.lacking}
                if used.cell:
                    texts |= {str(used.cell), used.cell.sheet}
    return sorted({re.sub(r"\s+", "", t) for t in texts if t and CJK.search(t)}, key=len, reverse=True)


def pdf_text(path: Path) -> str:
    """The document's text in reading order, page furniture left out, without whitespace."""
    raw = subprocess.run(["pdftotext", "-raw", str(path), "-"], check=True, capture_output=True, text=True).stdout
    lines = [line for line in raw.replace("\f", "\n").splitlines()
             if "Health-reform compliance inspection report" not in line
             and not re.fullmatch(r"\s*Page \d+ of \d+\s*", line) and line.strip() not in FURNITURE]
    return re.sub(r"\s+", "", "".join(lines))


@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="poppler-utils not installed")
@pytest.mark.parametrize("example", EXAMPLE_SETS)
def test_english_reports_hold_no_chinese_of_the_tools_own(example: str, catalog: Catalog, tmp_path: Path) -> None:
    result = run_check(catalog, get_profile(catalog, "auto"), [EXAMPLES / example], workers=0)
    written = write_reports(result, catalog, tmp_path, lang="en", pdf="both", workers=0).paths
    documents = [path for path in written if path.suffix == ".pdf"]
    assert len(documents) == 2 * len(result.subjects)
    known = quoted(result, catalog)
    for path in documents:
        text = pdf_text(path)
        assert "Inspection" in text or "inspection" in text
        for piece in known:
            text = text.replace(piece, "")
        left = CJK_RUN.findall(text)
        assert not left, (path.name, left[:10])

"""Load and validate rule packs (``rules/*.yaml``) and audit profiles (``checks/*.yaml``)."""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Sequence
from pathlib import Path

from compliance.errors import ConfigError, RuleFileError
from compliance.ingest.identities import (
    REGION_CODE_LENGTH,
    check_institution_code,
    check_region_code,
)
from compliance.results.periods import parse_period
from compliance.results.status import VALIDITY_WORDS, Status, Validity
from compliance.rules.kinds import KINDS
from compliance.rules.node import Node
from compliance.rules.spec import (
    SUBJECT_LEVELS,
    VALUE_TYPES,
    Applicability,
    Catalog,
    Citation,
    ColumnSpec,
    Document,
    FieldSpec,
    HospitalFilter,
    Jurisdiction,
    NotEncoded,
    Profile,
    Rule,
    RulePack,
    TableSpec,
    Waiver,
)
from compliance.rules.templates import TemplateRejected, check_template
from compliance.rules.vocab import GRADE, HOSPITAL_TYPE, OWNERSHIP, VOCABULARIES
from compliance.rules.yamlfile import load_yaml

CODE_PATTERN = re.compile(r"^[a-z][a-z0-9_]*$")
RESERVED_CODES = frozenset({"id", "sid"})
BINDINGS = ("binding", "expected", "soft", "plain")
RULE_KEYS = frozenset({"id", "title", "kind", "domain", "clause", "quote", "quote_columns", "applies_to", "effective_from",
             "deadline", "continues",
             "binding", "severity", "unit", "measure", "remediation", "notes"})
HOSPITAL_FILTER_KEYS = ("ownership", "grade", "type", "city")  # identification attributes of a hospital's Subject
DOCUMENT_KEYS = frozenset({"title", "number", "issuer", "issued", "effective", "time_scope", "validity", "validity_date",
                           "validity_source", "seed_file", "jurisdiction"})


def _code(node: Node, key: str) -> str:
    code = node.text(key)
    if not CODE_PATTERN.match(code):
        raise node.fail(key, f"{code!r} is not a field code", "use lower_snake_case ASCII, starting with a letter")
    return code


def _template(node: Node, key: str) -> str:
    """The template text under `key`, refused here unless it renders every finding without an error."""
    source = node.text(key, "")
    try:
        check_template(source)
    except TemplateRejected as exc:
        where = f"template line {exc.line}: " if exc.line and "\n" in source else ""
        raise node.fail(key, where + exc.problem, exc.fix) from None
    return source


def _field(node: Node) -> FieldSpec:
    node.check_keys({"code", "name", "unit", "type", "prior", "description", "minimum", "aggregate", "part_of",
                     "max_change"})
    minimum = node.data.get("minimum", 0.0)
    if minimum is not None and (isinstance(minimum, bool) or not isinstance(minimum, (int, float))):
        raise node.fail("minimum", f"must be a number or null, found {minimum!r}")
    return FieldSpec(
        code=_code(node, "code"),
        name=node.text("name"),
        unit=node.text("unit", ""),
        value_type=node.choice("type", VALUE_TYPES),
        description=node.text("description", ""),
        has_prior=node.flag("prior", False),
        minimum=float(minimum) if minimum is not None else None,
        aggregate=node.choice("aggregate", ("sum",)) if node.has("aggregate") else None,
        part_of=_code(node, "part_of") if node.has("part_of") else None,
        max_change=node.number("max_change") if node.has("max_change") else (1.0 if "max_change" not in node.data
                                                                              else None),
    )


def _table(node: Node) -> TableSpec:
    node.check_keys({"code", "name", "description", "columns", "label_columns", "level"})
    columns = []
    for column_node in node.children("columns"):
        column_node.check_keys({"code", "name", "unit", "type", "required", "description"})
        columns.append(ColumnSpec(
            code=_code(column_node, "code"),
            name=column_node.text("name"),
            unit=column_node.text("unit", ""),
            value_type=column_node.choice("type", VALUE_TYPES),
            required=column_node.flag("required", True),
            description=column_node.text("description", ""),
        ))
    if not columns:
        raise node.fail("columns", "a table needs at least one column")
    codes = [c.code for c in columns]
    if len(set(codes)) != len(codes):
        raise node.fail("columns", "column codes must be unique")
    labels = node.text_list("label_columns", codes)
    return TableSpec(_code(node, "code"), node.text("name"), node.text("description", ""), tuple(columns),
                     labels or (codes[0],), node.choice("level", SUBJECT_LEVELS, "hospital"))


def _rule(node: Node, document: Document, fields: dict[str, FieldSpec], tables: dict[str, TableSpec]) -> Rule:
    node.check_keys(RULE_KEYS)
    rule_id = node.text("id")
    if not rule_id.startswith(document.pack + "."):
        raise node.fail("id", f"{rule_id!r} must start with the pack name {document.pack!r} and a dot")
    kind_name = node.choice("kind", tuple(KINDS))
    kind = KINDS[kind_name]
    applies = node.child("applies_to")
    assert applies is not None
    applies.check_keys({"level", "ownership", "grade", "type", "description", "hospitals"})
    binding = node.choice("binding", BINDINGS, "plain")
    default_severity = "warn" if binding in ("expected", "soft") else "fail"
    severity = Status(node.choice("severity", ("fail", "warn"), default_severity))
    measure = node.child("measure")
    assert measure is not None
    spec = kind.parse(measure, fields, tables)
    effective_from, deadline = node.date("effective_from") or document.effective, node.date("deadline")
    if kind_name == "deadline" and deadline is None:
        raise node.fail("deadline", "a rule of kind deadline needs a deadline date")
    if effective_from and deadline and deadline < effective_from:
        raise node.fail("deadline", f"{deadline} is before effective_from {effective_from}",
                        "a rule without effective_from takes its document's effective date" if not node.has(
                            "effective_from") else "")
    continues = node.flag("continues", False)
    return Rule(
        id=rule_id,
        title=node.text("title"),
        kind=kind_name,
        domain=node.text("domain"),
        citation=Citation(document.title, document.number, node.text("clause"), node.text("quote"),
                          document.seed_file, _quote_table(node), document.validity, document.validity_date),
        jurisdiction=document.jurisdiction,
        applies=Applicability(
            level=applies.choice("level", SUBJECT_LEVELS),
            ownership=applies.text_list("ownership", tuple(OWNERSHIP)),
            grade=applies.text_list("grade", tuple(GRADE)),
            type=applies.text_list("type", tuple(HOSPITAL_TYPE)),
            description=applies.text("description", ""),
            hospitals=_hospital_filters(applies),
        ),
        effective_from=effective_from,
        deadline=deadline,
        binding=binding,
        severity=severity,
        unit=node.text("unit", ""),
        remediation=_template(node, "remediation"),
        spec=spec,
        path=node.path,
        line=node.line,
        notes=node.text("notes", ""),
        digest=_digest({"rule": node.data, "document": document}),
        continues=continues,
        scope_start=document.scope_start,
        scope_end=None if continues else document.scope_end,
        ends=document.validity_date if document.validity is not Validity.IN_FORCE else None,
    )


def _hospital_filters(applies: Node) -> tuple[HospitalFilter, ...]:
    """``applies_to.hospitals``: which of a region's hospitals its sums, shares and counts take."""
    node = applies.child("hospitals", required=False)
    if node is None:
        return ()
    if applies.text("level") != "region":
        raise node.fail(None, "only a region rule counts hospitals", "remove hospitals:, or set level: region")
    node.check_keys(set(HOSPITAL_FILTER_KEYS))
    filters = []
    for key in HOSPITAL_FILTER_KEYS:
        vocabulary = VOCABULARIES.get(key)
        values = node.text_list(key, tuple(vocabulary[0]) if vocabulary else None)
        if values:
            filters.append(HospitalFilter(key, values))
    if not filters:
        raise node.fail(None, "names no hospitals", f"give one of {', '.join(HOSPITAL_FILTER_KEYS)} with a list")
    return tuple(filters)


def _document(doc: Node, pack_name: str) -> Document:
    """The document block: what it is, where it applies, and when (effective date, time scope, validity)."""
    doc.check_keys(DOCUMENT_KEYS)
    place = doc.child("jurisdiction")
    assert place is not None
    place.check_keys({"province", "city"})
    issued = doc.date("issued")
    effective = doc.date("effective") or issued
    if effective is None:
        raise doc.fail("effective", "is required when the issue date is unknown",
                       "give the date the document takes effect (YYYY-MM-DD)")
    scope = doc.child("time_scope")
    assert scope is not None
    scope.check_keys({"from", "to"})
    scope_start, scope_end = scope.date("from"), scope.date("to")
    if scope_start is None:
        raise scope.fail("from", "is required", "the first day of the periods the document's tasks are for")
    if scope_end is not None and scope_end < scope_start:
        raise scope.fail("to", f"{scope_end} is before {scope_start}")
    validity = VALIDITY_WORDS[doc.choice("validity", tuple(VALIDITY_WORDS))]
    validity_date = doc.date("validity_date")
    if validity_date is not None and validity is Validity.IN_FORCE:
        raise doc.fail("validity_date", "a document in force (有效) has no date of lapse or repeal",
                       "remove validity_date, or set validity to 失效 or 废止")
    if validity_date is not None and validity_date < effective:
        raise doc.fail("validity_date", f"{validity_date} is before the document took effect ({effective})")
    if validity is not Validity.IN_FORCE and not doc.has("validity_source"):
        raise doc.fail("validity_source", "is required for a document that is 失效 or 废止",
                       "say where this is stated (the page's 有效性 line, the repealing document)")
    return Document(
        pack=pack_name,
        title=doc.text("title"),
        number=doc.text("number", "（未载明文号）"),
        issuer=doc.text("issuer"),
        issued=issued,
        seed_file=doc.text("seed_file"),
        jurisdiction=Jurisdiction(place.text("province"), place.text("city", "") or None),
        effective=effective,
        scope_start=scope_start,
        scope_end=scope_end,
        validity=validity,
        validity_date=validity_date,
        validity_source=doc.text("validity_source", ""),
    )


def _quote_table(node: Node) -> tuple[tuple[str, str], ...]:
    """A quote that is a row of a table in the document ("a | b | c") with its column headings."""
    quote = node.text("quote")
    columns = node.text_list("quote_columns")
    if "|" not in quote:
        if columns:
            raise node.fail("quote_columns", "the quote is not a table row (cells separated by |)",
                            "remove quote_columns, or quote the row with its cells separated by |")
        return ()
    cells = tuple(cell.strip() for cell in quote.split("|"))
    if not columns:
        raise node.fail("quote", "a quote from a table row (cells separated by |) needs quote_columns",
                        "add quote_columns: [the table's column headings] so the row is shown as a table")
    if len(columns) != len(cells):
        raise node.fail("quote_columns", f"{len(columns)} headings for {len(cells)} cells of the quoted row",
                        "give one heading per cell")
    return tuple(zip(columns, cells))


def _digest(data: object) -> str:
    text = json.dumps(data, sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def load_pack(path: Path) -> RulePack:
    """Load one rule pack; RuleFileError names file, line and problem."""
    top = Node(load_yaml(path), str(path), "pack", 1)
    top.check_keys({"pack", "document", "fields", "tables", "rules", "not_encoded"})
    pack_name = top.text("pack")
    if pack_name != path.stem:
        raise top.fail("pack", f"pack name {pack_name!r} must match the file name {path.stem!r}")
    doc = top.child("document")
    assert doc is not None
    document = _document(doc, pack_name)
    fields: dict[str, FieldSpec] = {}
    for field_node in top.children("fields"):
        spec = _field(field_node)
        if spec.code in fields:
            raise field_node.fail("code", f"field {spec.code!r} is declared twice")
        if spec.code in RESERVED_CODES:
            raise field_node.fail("code", f"{spec.code!r} is reserved", "choose a descriptive code such as institution_code")
        fields[spec.code] = spec
    tables: dict[str, TableSpec] = {}
    for code, spec in fields.items():
        if spec.part_of and spec.part_of not in fields:
            raise RuleFileError(path, None, f"field {code!r}: part_of names {spec.part_of!r}, which this pack does not declare")
    for table_node in top.children("tables"):
        table = _table(table_node)
        tables[table.code] = table
    rules = []
    seen: set[str] = set()
    for rule_node in top.children("rules"):
        rule = _rule(rule_node, document, fields, tables)
        if rule.id in seen:
            raise rule_node.fail("id", f"rule id {rule.id!r} appears twice")
        seen.add(rule.id)
        rules.append(rule)
    if not rules:
        raise top.fail("rules", "a pack needs at least one rule")
    left_out = []
    for item in top.children("not_encoded"):
        item.check_keys({"req_id", "reason"})
        req_id = item.text("req_id")
        if not req_id.startswith(pack_name + "."):
            raise item.fail("req_id", f"{req_id!r} must start with the pack name {pack_name!r} and a dot")
        if req_id in seen:
            raise item.fail("req_id", f"{req_id!r} is also encoded as a rule in this pack")
        left_out.append(NotEncoded(req_id, item.text("reason")))
    return RulePack(document, tuple(fields.values()), tuple(tables.values()), tuple(rules), str(path),
                    tuple(left_out), hashlib.sha256(path.read_bytes()).hexdigest())


def load_profile(path: Path, packs: dict[str, RulePack]) -> Profile:
    top = Node(load_yaml(path), str(path), "profile", 1)
    top.check_keys({"profile", "title", "description", "subject_level", "packs", "rules", "benchmark",
                    "by_jurisdiction"})
    name = top.text("profile")
    if name != path.stem:
        raise top.fail("profile", f"profile name {name!r} must match the file name {path.stem!r}")
    pack_names = top.text_list("packs")
    if not pack_names:
        raise top.fail("packs", "a profile names at least one rule pack")
    for pack_name in pack_names:
        if pack_name not in packs:
            raise top.fail("packs", f"unknown rule pack {pack_name!r}", f"known packs: {', '.join(sorted(packs))}")
    known_rules = {rule.id for pack_name in pack_names for rule in packs[pack_name].rules}
    rule_ids = top.text_list("rules")
    for rule_id in rule_ids:
        if rule_id not in known_rules:
            raise top.fail("rules", f"rule {rule_id!r} is not in the profile's packs")
    return Profile(
        name=name,
        title=top.text("title"),
        description=top.text("description", ""),
        subject_levels=top.text_list("subject_level", SUBJECT_LEVELS) or SUBJECT_LEVELS,
        packs=pack_names,
        rule_ids=rule_ids,
        benchmark=top.flag("benchmark", False),
        path=str(path),
        by_jurisdiction=top.flag("by_jurisdiction", False),
        digest=hashlib.sha256(path.read_bytes()).hexdigest(),
    )


WAIVERS = "waivers"  # the subfolder of a checks folder that holds waiver files
WAIVER_KEYS = frozenset({"rule", "subject", "period", "justification", "approver", "granted", "expires"})


def _waiver_subject(node: Node) -> str:
    """An institution code (18 characters, GB 32100-2015) or a region code (6 digits), as written."""
    written = node.text("subject")
    if len(written) == REGION_CODE_LENGTH:
        checked = check_region_code(written, None, None)
    else:
        checked = check_institution_code(written)
    if not checked.usable or checked.code != written:
        problem = f" ({checked.problem})" if checked.problem else ""
        raise node.fail("subject", f"{written!r} is not a valid institution or region code{problem}",
                        "give the 18-character unified social credit code of the institution, or the "
                        "6-digit code of the region")
    return written


def load_waiver_file(path: Path, rule_ids: set[str] | frozenset[str]) -> tuple[Waiver, ...]:
    """The waivers of one file (``waivers:`` a list); RuleFileError names file, line and problem."""
    top = Node(load_yaml(path), str(path), "waivers", 1)
    top.check_keys({"waivers"})
    if not isinstance(top.data.get("waivers"), list):
        raise top.fail("waivers", "must be a list of waivers")
    waivers = []
    for node in top.children("waivers"):
        node.check_keys(set(WAIVER_KEYS))
        rule = node.text("rule")
        if rule not in rule_ids:
            raise node.fail("rule", f"unknown rule {rule!r}", "see `compliance rules list` for the rule ids")
        subject = _waiver_subject(node)
        period = None
        if node.has("period"):
            written = node.text("period")
            parsed = parse_period(written)
            if parsed is None or parsed.label != written:
                suggestion = f"write {parsed.label!r}" if parsed is not None else "e.g. 2024, 2024H1, 2024Q3, 2024-09"
                raise node.fail("period", f"{written!r} is not a canonical period label", suggestion)
            period = written
        for key in ("granted", "expires"):
            if not node.has(key):
                raise node.fail(key, "is required", "a date written YYYY-MM-DD")
        granted, expires = node.date("granted"), node.date("expires")
        assert granted is not None and expires is not None
        if expires <= granted:
            raise node.fail("expires", f"{expires} is not after the date the waiver was granted ({granted})")
        waivers.append(Waiver(rule, subject, period, node.text("justification"), node.text("approver"), granted,
                              expires, str(path), node.line))
    return tuple(waivers)


def load_waivers(paths: Sequence[Path], rule_ids: set[str] | frozenset[str]) -> tuple[Waiver, ...]:
    """The waivers of every file, in order; no two for the same rule, subject and period."""
    seen: dict[tuple[str, str, str | None], Waiver] = {}
    for path in paths:
        for waiver in load_waiver_file(path, rule_ids):
            key = (waiver.rule, waiver.subject, waiver.period)
            if key in seen:
                other = seen[key]
                raise RuleFileError(waiver.path, waiver.line,
                                    f"a second waiver of {waiver.rule} for {waiver.subject}"
                                    f"{' in ' + waiver.period if waiver.period else ''}; the first is at "
                                    f"{other.path}:{other.line}", "keep one of them")
            seen[key] = waiver
    return tuple(seen.values())


def waiver_files(checks_dir: Path | Sequence[Path] | None) -> list[Path]:
    """The waiver files (``waivers/*.yaml``) of the checks folders, in order."""
    folders = [] if checks_dir is None else [checks_dir] if isinstance(checks_dir, Path) else list(checks_dir)
    return [path for folder in folders if (folder / WAIVERS).is_dir()
            for path in sorted((folder / WAIVERS).glob("*.yaml"))]


def load_catalog(rules_dir: Path, checks_dir: Path | Sequence[Path] | None = None, *,
                 waivers: bool = True) -> Catalog:
    """Load every pack in ``rules_dir`` and every profile in ``checks_dir`` (a folder, or folders
    in order: a later folder's profile replaces an earlier one's of the same name), and the
    waivers in their ``waivers/`` subfolders (unless `waivers` is false)."""
    if not rules_dir.is_dir():
        raise ConfigError("rules_folder_missing", folder=str(rules_dir))
    packs = {path.stem: load_pack(path) for path in sorted(rules_dir.glob("*.yaml"))}
    if not packs:
        raise ConfigError("no_rule_packs", folder=str(rules_dir))
    seen_rules: dict[str, str] = {}
    for pack in packs.values():
        for rule in pack.rules:
            if rule.id in seen_rules:
                raise RuleFileError(rule.path, rule.line, f"rule id {rule.id!r} is also defined in {seen_rules[rule.id]}")
            seen_rules[rule.id] = rule.path
    _check_shared_fields(packs)
    profiles: dict[str, Profile] = {}
    folders = [] if checks_dir is None else [checks_dir] if isinstance(checks_dir, Path) else list(checks_dir)
    for folder in folders:
        if not folder.is_dir():
            continue
        for path in sorted(folder.glob("*.yaml")):
            profile = load_profile(path, packs)
            profiles[profile.name] = profile
    loaded = load_waivers(waiver_files(folders), frozenset(seen_rules)) if waivers else ()
    return Catalog(packs=tuple(packs.values()), profiles=profiles, waivers=loaded)


def _check_shared_fields(packs: dict[str, RulePack]) -> None:
    """A field or table code used by two packs must mean the same thing in both."""
    seen: dict[str, tuple[FieldSpec, str]] = {}
    for pack in packs.values():
        for spec in pack.fields:
            if spec.code not in seen:
                seen[spec.code] = (spec, pack.path)
                continue
            other, other_path = seen[spec.code]
            mine = (spec.unit, spec.value_type, spec.has_prior, spec.aggregate)
            theirs = (other.unit, other.value_type, other.has_prior, other.aggregate)
            if mine != theirs:
                raise RuleFileError(pack.path, None, f"field {spec.code!r} is declared as unit/type/prior/aggregate "
                                    f"{mine} but {other_path} declares {theirs}", "declare it the same way in both")
    tables: dict[str, tuple[TableSpec, str]] = {}
    for pack in packs.values():
        for table in pack.tables:
            if table.code not in tables:
                tables[table.code] = (table, pack.path)
                continue
            other_table, other_path = tables[table.code]
            shape = [(c.code, c.value_type, c.unit) for c in table.columns]
            other_shape = [(c.code, c.value_type, c.unit) for c in other_table.columns]
            if shape != other_shape or table.level != other_table.level or table.name != other_table.name:
                raise RuleFileError(pack.path, None, f"table {table.code!r} differs from the one in {other_path}",
                                    "declare the same name, level and columns in both")

"""The reports' own wording in simplified Chinese (default) and English: one message catalogue.

Only the report's fixed wording lives here — status labels and meanings, rule-kind names, subject
levels, sheet names and column headers of the gap workbook, and the headings and labels of the PDF
inspection report.  Text that comes from a rule pack or a submission (titles, quotes, messages) is
never translated.

Some messages hold ``{name}`` placeholders; fill them with ``str.format`` (``text(key, lang).format(...)``).

    >>> text("pdf.title", "en")
    'Health-reform compliance inspection report'
    >>> status_label("fail")
    '不达标'
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

from compliance.results.status import Status

LANGUAGES: tuple[str, ...] = ("zh", "en")
DEFAULT_LANGUAGE = "zh"

# key -> (zh, en)
_MESSAGES: dict[str, tuple[str, str]] = {
    # ------------------------------------------------------------ statuses
    "status.pass": ("达标", "Pass"),
    "status.warn": ("预警", "Warning"),
    "status.fail": ("不达标", "Fail"),
    "status.missing_data": ("缺少数据", "Missing data"),
    "status.not_applicable": ("不适用", "Not applicable"),
    "status.not_due": ("未到期限", "Not yet due"),
    "status.waived": ("已豁免", "Waived"),
    "status.error": ("错误", "Error"),
    "status_meaning.pass": ("实际值符合要求", "the measured value meets the requirement"),
    "status_meaning.warn": ("未达到“原则上/力争”或预期性目标",
                            "a soft (原则上/力争) or expected (预期性) target is missed"),
    "status_meaning.fail": ("未达到约束性或明确要求", "a binding or plain requirement is missed"),
    "status_meaning.missing_data": ("规则所需数据空缺或无法使用，不按达标计",
                                    "an input the rule needs is blank or unusable; never counted as a pass"),
    "status_meaning.not_applicable": ("本规则不适用于该检查对象或期间（所有制、辖区、施行日期或仅含豁免品项）",
                                      ("the rule does not cover this subject or period (ownership, jurisdiction, "
                                      "effective date, exempt items only)")),
    "status_meaning.not_due": ("规则期限晚于检查基准日，差距仍列出",
                               "the rule's deadline is after the as-of date; the gap is still shown"),
    "status_meaning.waived": ("已有登记的豁免覆盖本项", "a recorded waiver covers this finding"),
    "status_meaning.error": ("规则无法计算（如除数为零），原因见说明",
                             "the rule could not be evaluated (e.g. division by zero); the message says why"),
    "conclusion.pass": ("达到要求", "Meets the requirement"),
    "conclusion.warn": ("未达到“原则上/力争”或预期性目标", "Misses a soft or expected target"),
    "conclusion.fail": ("未达到要求", "Misses the requirement"),
    "conclusion.missing_data": ("所需数据空缺或无法使用，无法判断", "Cannot be checked: an input is blank or unusable"),
    "conclusion.not_applicable": ("不适用", "Not applicable"),
    "conclusion.not_due": ("尚未到期限", "Not yet due"),
    "conclusion.waived": ("已豁免", "Waived"),
    "conclusion.error": ("无法计算", "Could not be evaluated"),
    # ------------------------------------------------------------ rule kinds
    "kind.threshold": ("阈值", "Threshold"),
    "kind.growth": ("同比增幅", "Growth rate"),
    "kind.item_table": ("逐项表", "Per-item table"),
    "kind.approx": ("近似目标", "Approximate target"),
    "kind.yoy_increase": ("同比提高", "Year-on-year increase"),
    "kind.yoy_decrease": ("同比下降", "Year-on-year decrease"),
    "kind.boolean": ("是否事项", "Yes/no attestation"),
    "kind.deadline": ("限期完成", "Deadline"),
    "kind.all": ("全部单位达标", "Every unit"),
    "kind.share_of_units": ("达标单位占比", "Share of units"),
    "kind.quality": ("数据质量", "Data quality"),
    # ------------------------------------------------------------ subjects, files, inputs
    "level.hospital": ("医院", "Hospital"),
    "level.region": ("地区", "Region"),
    "file_status.read": ("已读取", "Read"),
    "file_status.read_with_warnings": ("已读取（有警告）", "Read with warnings"),
    "file_status.refused": ("拒收", "Refused"),
    "severity.error": ("错误", "Error"),
    "severity.warning": ("警告", "Warning"),
    "which.current": ("本期", "This period"),
    "which.prior": ("上年同期", "Same period last year"),
    "which.table": ("品项表：{name}", "Item table: {name}"),
    "binding.binding": ("约束性", "Binding"),
    "binding.expected": ("预期性", "Expected"),
    "binding.soft": ("原则上/力争", "Soft (in principle / strive for)"),
    "binding.plain": ("明确要求", "Plain requirement"),
    "bool.true": ("是", "Yes"),
    "bool.false": ("否", "No"),
    "none": ("（无）", "(none)"),
    "dash": ("—", "—"),
    # ------------------------------------------------------------ gap workbook: sheets
    "sheet.summary": ("汇总", "Summary"),
    "sheet.findings": ("问题清单", "Findings"),
    "sheet.items": ("品项明细", "Items"),
    "sheet.rules": ("规则", "Rules"),
    "sheet.inputs": ("填报数据", "Inputs"),
    "sheet.problems": ("数据问题", "Data problems"),
    "sheet.matrix": ("矩阵", "Matrix"),
    # ------------------------------------------------------------ gap workbook: summary sheet
    "xlsx.title": ("医改政策合规差距报告", "Health-reform compliance gap report"),
    "xlsx.profile": ("检查方案", "Audit profile"),
    "xlsx.as_of": ("检查基准日", "As-of date"),
    "xlsx.as_of_default": ("各报告期期末", "End of each reporting period"),
    "xlsx.files_read": ("读取文件数", "Files read"),
    "xlsx.files_refused": ("拒收文件数", "Files refused"),
    "xlsx.subjects": ("检查对象数", "Subjects"),
    "xlsx.rules": ("规则数", "Rules"),
    "xlsx.findings": ("检查结论数", "Findings"),
    "xlsx.compliance_rate": ("总体合规率", "Overall compliance rate"),
    "xlsx.rate_note": ("合规率 =（达标 + 未到期限 + 已豁免）÷ 适用结论数（不含“不适用”）；缺少数据不按达标计。",
                       ("Compliance rate = (pass + not yet due + waived) ÷ applicable findings (excluding "
                       "\"not applicable\"); missing data never counts as a pass.")),
    "xlsx.section.statuses": ("状态统计", "Findings by status"),
    "xlsx.section.subjects": ("各机构情况", "Results by subject"),
    "xlsx.section.files": ("文件读取情况", "Files read"),
    "xlsx.section.problems": ("数据问题", "Data problems"),
    "xlsx.section.quality": ("数据质量校验（不属于政策规则）", "Data-quality checks (not policy rules)"),
    "xlsx.quality_note": ("以下校验在规则之前执行，检查填报数据本身的逻辑一致性；其结论列在问题清单中，但不对应任何政策条款。",
                          ("These checks run before the rules and test the submitted data for internal "
                          "consistency; their findings appear on the Findings sheet but cite no policy clause.")),
    "xlsx.matrix_rules_label": ("规则名称 / 规则编号 →", "Rule title / rule id →"),
    "xlsx.matrix_not_evaluated": ("空白 = 该规则未对该对象检查", "Blank = rule not evaluated for this subject"),
    # ------------------------------------------------------------ gap workbook: column headers
    "col.status": ("状态", "Status"),
    "col.status_label": ("状态说明", "Status label"),
    "col.count": ("数量", "Count"),
    "col.subject_code": ("机构代码", "Subject code"),
    "col.subject_name": ("机构名称", "Subject name"),
    "col.level": ("层级", "Level"),
    "col.period": ("报告期", "Period"),
    "col.applicable": ("适用规则数", "Applicable rules"),
    "col.pass": ("达标", "Pass"),
    "col.fail": ("不达标", "Fail"),
    "col.warn": ("预警", "Warning"),
    "col.missing_data": ("缺少数据", "Missing data"),
    "col.rate": ("合规率", "Compliance rate"),
    "col.worst": ("总体状态", "Overall status"),
    "col.worst_label": ("总体状态说明", "Overall status label"),
    "col.not_satisfied": ("待整改项数", "Not satisfied"),
    "col.rule_id": ("规则编号", "Rule id"),
    "col.rule_title": ("规则名称", "Rule title"),
    "col.domain": ("领域", "Domain"),
    "col.observed": ("实际值", "Observed"),
    "col.required": ("要求", "Required"),
    "col.gap": ("差距", "Gap"),
    "col.unit": ("单位", "Unit"),
    "col.gap_amount": ("金额/数量缺口", "Gap amount"),
    "col.gap_amount_unit": ("缺口单位", "Gap unit"),
    "col.message": ("说明", "Message"),
    "col.remediation": ("整改建议", "Remediation"),
    "col.data_sources": ("数据来源", "Data source"),
    "col.document_number": ("文件号", "Document no."),
    "col.clause": ("条款", "Clause"),
    "col.source_file": ("源文件", "Source file"),
    "col.item": ("品项", "Item"),
    "col.kind": ("类型", "Kind"),
    "col.document_title": ("文件名称", "Document title"),
    "col.quote": ("原文", "Quote"),
    "col.jurisdiction": ("辖区", "Jurisdiction"),
    "col.applies": ("适用范围", "Applies to"),
    "col.effective_from": ("施行日期", "Effective from"),
    "col.deadline": ("期限", "Deadline"),
    "col.binding": ("约束性", "Binding"),
    "col.severity": ("未达标时状态", "Status when missed"),
    "col.field_code": ("字段代码", "Field code"),
    "col.field_name": ("名称", "Name"),
    "col.value": ("填报值", "Submitted value"),
    "col.which": ("口径", "Basis"),
    "col.file": ("文件", "File"),
    "col.file_status": ("读取结果", "Result"),
    "col.file_status_label": ("读取结果说明", "Result label"),
    "col.subject_codes": ("机构代码", "Subject codes"),
    "col.problem_severity": ("严重程度", "Severity"),
    "col.problem_severity_label": ("严重程度说明", "Severity label"),
    "col.field": ("字段", "Field"),
    "col.where": ("位置", "Location"),
    "col.expected": ("应为", "Expected"),
    "col.found": ("实际", "Found"),
    "col.fix": ("修改建议", "How to fix"),
    "col.check_id": ("校验编号", "Check id"),
    "col.check_title": ("校验内容", "Check"),
    # ------------------------------------------------------------ PDF inspection report
    "pdf.title": ("医改政策符合性检查报告", "Health-reform compliance inspection report"),
    "pdf.cover.subject_region": ("被检查地区", "Region inspected"),
    "pdf.cover.subject_hospital": ("被检查单位", "Institution inspected"),
    "pdf.cover.code_region": ("地区代码", "Region code"),
    "pdf.cover.code_hospital": ("机构代码", "Institution code"),
    "pdf.cover.location": ("所在地区", "Location"),
    "pdf.cover.grade_type_ownership": ("等级 / 类别 / 所有制", "Grade / type / ownership"),
    "pdf.cover.period": ("报告期", "Reporting period"),
    "pdf.cover.period_range": ("{start} 至 {end}", "{start} to {end}"),
    "pdf.cover.profile": ("检查方案", "Audit profile"),
    "pdf.cover.check_date": ("检查日期", "Date of check"),
    "pdf.cover.as_of": ("检查基准日", "As-of date"),
    "pdf.cover.as_of_default": ("未指定，以报告期末（{period_end}）为准",
                                "Not given; the end of the reporting period ({period_end}) is used"),
    "pdf.cover.source_file": ("数据来源文件", "Data file"),
    "pdf.cover.overall": ("总体结论", "Overall conclusion"),
    "pdf.list_sep": ("；", "; "),
    "pdf.cover.no_province": ("未填写省份", "province not given"),
    "pdf.cover.not_given": ("未填写", "not given"),
    # ------------------------------------------------------------ units of the data dictionary
    "unit.张/千人": ("张/千人", "per 1,000 people"),
    "unit.最小销售单位": ("最小销售单位", "min. sales units"),
    "unit.万元": ("万元", "×10k yuan"),
    "unit.亿元": ("亿元", "×100m yuan"),
    "unit.万人": ("万人", "×10k people"),
    "unit.人次": ("人次", "visits"),
    "unit.学时": ("学时", "class hours"),
    "unit.小时": ("小时", "hours"),
    "unit.元": ("元", "yuan"),
    "unit.人": ("人", "people"),
    "unit.个": ("个", "items"),
    "unit.项": ("项", "items"),
    "unit.家": ("家", "institutions"),
    "unit.天": ("天", "days"),
    "unit.次": ("次", "times"),
    "unit.类": ("类", "categories"),
    "unit.种": ("种", "kinds"),
    "unit.张": ("张", "sheets"),
    "unit.级": ("级", "levels"),
    "unit.分": ("分", "points"),
    "unit.所": ("所", "facilities"),
    "unit.台": ("台", "units"),
    "unit.倍": ("倍", "×"),
    # ------------------------------------------------------------ phrases the rule kinds generate
    "phrase.units_met": (r"\1/\2 个单位达标", r"\1 of \2 units meet it"),
    "phrase.every_unit": ("全部单位", "every unit "),
    "phrase.higher_than_last_year": ("较上年提高", "higher than last year"),
    "phrase.lower_than_last_year": ("较上年降低", "lower than last year"),
    "phrase.about": (r"\1 左右（±\2）", r"about \1 (± \2)"),
    "phrase.pp": ("个百分点", "pp"),
    "phrase.at_least": ("不低于 ", "≥ "),
    "phrase.at_most": ("不高于 ", "≤ "),
    "phrase.above": ("高于 ", "> "),
    "phrase.below": ("低于 ", "< "),
    "phrase.equal": ("等于 ", "= "),
    "phrase.blank": ("（空）", "(blank)"),
    # ------------------------------------------------------------ subject attributes (vocab codes)
    "vocab.grade.level3": ("三级", "Level III"),
    "vocab.grade.level2": ("二级", "Level II"),
    "vocab.grade.level1": ("一级", "Level I"),
    "vocab.grade.ungraded": ("未定级", "Ungraded"),
    "vocab.type.general": ("综合医院", "General hospital"),
    "vocab.type.tcm": ("中医医院", "TCM hospital"),
    "vocab.type.integrated": ("中西医结合医院", "Integrated Chinese-Western medicine hospital"),
    "vocab.type.ethnic": ("民族医医院", "Ethnic-medicine hospital"),
    "vocab.type.specialty": ("专科医院", "Specialty hospital"),
    "vocab.type.maternal_child": ("妇幼保健院", "Maternal and child health hospital"),
    "vocab.type.primary": ("基层医疗卫生机构", "Primary care institution"),
    "vocab.ownership.public": ("公立", "Public"),
    "vocab.ownership.private": ("非公立", "Non-public"),
    "vocab.region_level.province": ("省", "Province"),
    "vocab.region_level.city": ("市", "City"),
    "vocab.region_level.pool": ("统筹区", "Insurance pooling area"),
    "vocab.region_level.county": ("县", "County"),
    # ------------------------------------------------------------ identification fields
    "field.institution_code": ("机构代码", "Institution code"),
    "field.institution_name": ("机构名称", "Institution name"),
    "field.province": ("省份", "Province"),
    "field.city": ("城市", "City"),
    "field.grade": ("医院等级", "Hospital grade"),
    "field.type": ("机构类别", "Institution type"),
    "field.ownership": ("所有制", "Ownership"),
    "field.period": ("报告期", "Reporting period"),
    "field.region_code": ("地区代码", "Region code"),
    "field.region_name": ("地区名称", "Region name"),
    "field.region_level": ("地区层级", "Region level"),
    # ------------------------------------------------------------ policy domains of the rule packs
    "domain.中医药": ("中医药", "Traditional Chinese medicine"),
    "domain.人才队伍": ("人才队伍", "Workforce"),
    "domain.公共卫生": ("公共卫生", "Public health"),
    "domain.医保信息化": ("医保信息化", "Insurance IT"),
    "domain.医保基金": ("医保基金", "Insurance fund"),
    "domain.医保待遇": ("医保待遇", "Insurance benefits"),
    "domain.医保支付": ("医保支付", "Insurance payment"),
    "domain.医保目录": ("医保目录", "Insurance formulary"),
    "domain.医保筹资": ("医保筹资", "Insurance financing"),
    "domain.医疗联合体": ("医疗联合体", "Medical alliances"),
    "domain.医药服务价格": ("医药服务价格", "Medical service prices"),
    "domain.医药集中采购": ("医药集中采购", "Centralized procurement"),
    "domain.医院管理": ("医院管理", "Hospital management"),
    "domain.基层卫生": ("基层卫生", "Primary care"),
    "domain.应急保障": ("应急保障", "Emergency supplies"),
    "domain.改革组织": ("改革组织", "Reform organization"),
    "domain.经办服务": ("经办服务", "Insurance services"),
    "domain.药品价格": ("药品价格", "Drug prices"),
    "domain.药品供应": ("药品供应", "Drug supply"),
    "domain.薪酬制度": ("薪酬制度", "Pay system"),
    "domain.费用控制": ("费用控制", "Cost control"),
    "domain.长期护理保险": ("长期护理保险", "Long-term care insurance"),
    "domain.数据质量": ("数据质量", "Data quality"),
    "pdf.cover.statement": (
        ("本报告依据被检查单位提交的自评数据（{file_name}）按上述检查方案自动生成。检查结论仅反映所提交数据与政策条款的比对结果；"
        "数据的真实性、完整性由填报单位负责，如经核实数据有误，应以更正后的数据重新检查。"),
        ("This report was generated automatically from the self-assessment data submitted by the inspected "
        "institution ({file_name}) under the audit profile above. Its conclusions only compare the submitted data "
        "with the policy clauses; the submitting institution is responsible for the data being true and complete, "
        "and if the data prove wrong the check must be rerun on corrected data.")),
    "pdf.sign.inspector": ("检查人员（签字）：", "Inspector (signature):"),
    "pdf.sign.head": ("被检查单位负责人（签字）：", "Head of inspected institution (signature):"),
    "pdf.sign.date": ("日期：", "Date:"),
    "pdf.sign.seal": ("（被检查单位盖章）", "(Seal of the inspected institution)"),
    # ------------------------------------------------------------ one-page inspection notice
    "notice.title": ("医改政策符合性检查结果告知书", "Notice of health-reform compliance inspection results"),
    "notice.addressee": ("{name}：", "To {name}:"),
    "notice.opening": (
        "根据《{profile}》，对你单位报送的{period}自评数据（{file_name}）进行了检查，检查日期为{check_date}。结果告知如下。",
        ("Under the audit profile “{profile}”, the self-assessment data your institution submitted for {period} "
         "({file_name}) were checked on {check_date}. The results are as follows.")),
    "notice.actions": ("需整改事项（{n} 项）", "Items requiring action ({n})"),
    "notice.no_actions": ("未发现不达标、预警、缺少数据或无法计算的检查项。",
                          "No item fails, warns, lacks data or could not be evaluated."),
    "notice.action_label": ("整改建议", "Action"),
    "notice.explain_label": ("说明", "Note"),
    "notice.not_due": ("另有 {n} 项尚未到期限，差距见检查报告。", "A further {n} item(s) are not yet due; their gaps are in the report."),
    "notice.problems": ("所报数据另有数据问题 {n} 条，请核实更正。", "The data submitted have {n} further data problem(s); please check and correct them."),
    "notice.refused": ("本批次有 {n} 个文件未能读取，见检查报告。", "{n} file(s) of this batch could not be read; see the report."),
    "notice.closing": (
        "请对照上述整改建议逐项整改。各项的政策原文、数据来源单元格和所用数据见《医改政策符合性检查报告》。",
        ("Please act on each item above. The policy text, the source cells and the data used for each item are in "
         "the inspection report.")),
    "notice.seal": ("检查单位（盖章）", "Inspecting authority (seal)"),
    "pdf.section.summary": ("一、检查结论摘要", "1. Summary of conclusions"),
    "pdf.section.findings": ("二、检查发现", "2. Findings"),
    "pdf.section.problems": ("三、数据问题与拒收文件", "3. Data problems and refused files"),
    "pdf.section.appendix": ("附录　检查所用数据", "Appendix: data used by the check"),
    "pdf.summary.rate": ("符合率", "Compliance rate"),
    "pdf.summary.total": ("本次共检查 {total} 项，其中适用 {applicable} 项",
                          "{total} items checked, {applicable} applicable"),
    "pdf.summary.ok": ("，达标（含未到期限、已豁免）{ok} 项", ", {ok} met (incl. not yet due and waived)"),
    "pdf.summary.status_count": ("{label} {n} 项", "{label}: {n}"),
    "pdf.summary.rate_note": ("符合率 = （达标 + 未到期限 + 已豁免）项数 ÷ 适用项数；“不适用”项不计入。",
                              ("Compliance rate = (pass + not yet due + waived) ÷ applicable items; "
                              "\"not applicable\" items are not counted.")),
    "pdf.summary.counts": ("（一）各状态项数", "1.1 Items by status"),
    "pdf.summary.domains": ("（二）各政策领域检查结果", "1.2 Results by policy domain"),
    "pdf.summary.other_domains": ("其余 {n} 个领域", "Other {n} domains"),
    "pdf.summary.other_domains_names": ("均已达标、豁免或不适用：{names}", "All met, waived or not applicable: {names}"),
    "pdf.summary.no_domains": ("本次没有检查项。", "No item was checked."),
    "pdf.summary.gaps": ("（三）差距最大的三项", "1.3 The three largest gaps"),
    "pdf.summary.no_gaps": ("无不达标、预警或未到期限的检查项。", "No item fails, warns or is not yet due."),
    "pdf.summary.see_finding": ("见第 {number} 项", "see item {number}"),
    "pdf.findings.lead": ("按政策领域分组，领域内按严重程度排序（错误、不达标、缺少数据、预警、未到期限、已豁免、达标、不适用）。",
                          ("Grouped by policy domain; within a domain, worst first (error, fail, missing data, "
                          "warning, not yet due, waived, pass, not applicable).")),
    "pdf.findings.citation": ("政策依据", "Policy basis"),
    "pdf.findings.clause": ("条款 {clause}", "clause {clause}"),
    "pdf.findings.conclusion": ("检查结论", "Conclusion"),
    "pdf.findings.remediation": ("整改建议", "Remediation"),
    "pdf.findings.inputs": ("使用数据", "Data used"),
    "pdf.findings.no_cell": ("未注明单元格", "cell not given"),
    "pdf.findings.item_tables": ("逐项表「{names}」，各行来源见{where}", "per-item table(s) {names}; row sources: see {where}"),
    "pdf.findings.below": ("下表", "the table below"),
    "pdf.findings.appendix": ("附录", "the appendix"),
    "pdf.findings.more_items": ("另有 {hidden} 项未列出（{summary}），完整清单见差距工作簿。",
                                "{hidden} more items not listed ({summary}); the gap workbook has the full list."),
    "pdf.problems.own_file": ("（一）本单位数据文件", "3.1 This subject's data file"),
    "pdf.problems.file": ("文件", "File"),
    "pdf.problems.no_outcome": ("未记录读取结果。", "No read result recorded."),
    "pdf.problems.none": ("未发现数据问题。", "No data problems found."),
    "pdf.problems.refused": ("（二）本批次拒收的文件", "3.2 Files refused in this batch"),
    "pdf.problems.refused_intro": ("以下文件未能读取，未纳入任何检查结果，请更正后重新提交：",
                                   "These files could not be read and are in no result; correct and resubmit them:"),
    "pdf.problems.no_refused": ("本批次无拒收文件。", "No file was refused in this batch."),
    "pdf.appendix.identification": ("（一）基本信息", "A.1 Identification"),
    "pdf.appendix.indicators": ("（二）指标数据", "A.2 Indicator data"),
    "pdf.appendix.no_indicators": ("检查未使用指标数据。", "The check used no indicator data."),
    "pdf.appendix.item_table": ("逐项表：{name}", "Per-item table: {name}"),
    "pdf.appendix.sheet": ("（工作表“{sheet}”）", " (sheet \"{sheet}\")"),
    "pdf.appendix.more_rows": ("另有 {hidden} 行未列出。", "{hidden} more rows not listed."),
    "pdf.end": ("— 报告正文结束 —", "— End of report —"),
    "pdf.th.status": ("状态", "Status"),
    "pdf.th.status_code": ("状态代码", "Status code"),
    "pdf.th.count": ("项数", "Items"),
    "pdf.th.total": ("合计", "Total"),
    "pdf.th.domain": ("政策领域", "Policy domain"),
    "pdf.th.checked": ("检查项", "Items"),
    "pdf.th.domain_conclusion": ("领域结论", "Domain conclusion"),
    "pdf.th.index": ("序号", "No."),
    "pdf.th.item": ("检查项", "Item"),
    "pdf.th.gap": ("差距", "Gap"),
    "pdf.th.gap_amount": ("差距金额 / 数量", "Gap amount / quantity"),
    "pdf.th.observed": ("实际值", "Observed"),
    "pdf.th.required": ("要求", "Required"),
    "pdf.th.item_label": ("品项", "Item"),
    "pdf.th.note": ("说明", "Note"),
    "pdf.th.source": ("来源", "Source"),
    "pdf.th.severity": ("级别", "Severity"),
    "pdf.th.where": ("位置", "Location"),
    "pdf.th.expected": ("应为", "Expected"),
    "pdf.th.found": ("实际", "Found"),
    "pdf.th.fix": ("处理建议", "What to do"),
    "pdf.th.file": ("文件", "File"),
    "pdf.th.reason": ("原因", "Reason"),
    "pdf.th.field": ("项目", "Item"),
    "pdf.th.submitted": ("填报内容", "Submitted"),
    "pdf.th.cell": ("来源单元格", "Source cell"),
    "pdf.th.field_code": ("字段代码", "Field code"),
    "pdf.th.indicator": ("指标名称", "Indicator"),
    "pdf.th.which": ("期别", "Period basis"),
    "pdf.th.value": ("数值", "Value"),
    "pdf.th.unit": ("单位", "Unit"),
    "pdf.th.row": ("行号", "Row"),
}

# Region report and chart wording of the PDF.
_MESSAGES.update({
    'pdf.region.chart_count': ('检查项数', 'Items'),
    'pdf.region.counts_heading': ('（一）各状态项数及各领域分布', '1.1 Items by status and by policy domain'),
    'pdf.region.domain_caption': ('图 1\u3000各政策领域检查结果（按状态分列的检查项数）', 'Figure 1. Results by policy domain (items per status)'),
    'pdf.region.hospitals_heading': ('三、辖区医院检查情况', '3. Hospitals in the region'),
    'pdf.region.no_hospitals': ('本批次未包含本地区医院的填报数据。', 'This batch holds no submission from a hospital in this region.'),
    'pdf.region.hospitals_lead': ('本批次共有本地区 {n} 家医院的填报数据，按医院级检查项 {rules} 项检查。以下列出各医院符合率排名、医院与检查项结果矩阵、主要指标分布和各检查项的未达标医院。', 'This batch holds submissions from {n} hospitals of the region, checked on {rules} hospital-level items: their ranking by compliance rate, a hospitals × items matrix, the distribution of key indicators and, per item, the hospitals that miss it.'),
    'pdf.region.ranking': ('（一）医院符合率排名', '3.1 Hospitals ranked by compliance rate'),
    'pdf.region.th_rank': ('排名', 'Rank'),
    'pdf.region.th_hospital': ('医院', 'Hospital'),
    'pdf.region.th_applicable': ('适用项', 'Applic.'),
    'pdf.region.th_ok': ('达标项', 'Met'),
    'pdf.region.matrix': ('（二）医院与检查项结果矩阵', '3.2 Hospitals × items'),
    'pdf.region.matrix_intro': ('每行一家医院（按排名顺序），每列一个医院级检查项（列号见表下说明）。', 'One row per hospital (in ranking order), one column per hospital-level item (numbers explained below the table). '),
    'pdf.region.matrix_blank': ('；空白为未检查。', '; blank: not checked.'),
    'pdf.region.th_column': ('列号', 'No.'),
    'pdf.region.indicators': ('（三）主要指标分布', '3.3 Distribution of key indicators'),
    'pdf.region.indicators_intro': ('每个数值型医院级检查项一图：圆点为各医院的实际值（颜色为检查结论），红色虚线为要求值。', "One chart per numeric hospital-level item: a dot per hospital's observed value (coloured by conclusion); the dashed red line is the requirement."),
    'pdf.region.figure': ('图 {n}', 'Figure {n}.'),
    'pdf.region.indicator_note': ('（要求：{required}；{reported} 家医院有数值{missing}）', ' (required: {required}; {reported} hospitals reported a value{missing})'),
    'pdf.region.indicator_missing': ('，{n} 家缺少数据', ', {n} missing data'),
    'pdf.region.no_indicators': ('医院级检查项中没有可作分布图的数值型指标。', 'No hospital-level item has numeric values to chart.'),
    'pdf.region.failing': ('（四）各检查项未达标医院', '3.4 Hospitals missing each item'),
    'pdf.region.failing_count': ('\u3000{bad} / {total} 家', '  {bad} of {total} hospitals'),
    'pdf.region.no_failing': ('辖区医院各检查项均无不达标、预警、缺少数据或错误。', 'No hospital fails, warns, lacks data or errors on any item.'),
    'pdf.region.all_ok': ('其余检查项（列号 {numbers}）各医院均达标、未到期限、已豁免或不适用。', 'On the other items (nos. {numbers}) every hospital passes, is not yet due, waived or not applicable.'),
    'pdf.region.axis_value': ('实际值', 'Observed'),
    'pdf.region.axis_change': ('较上年变化', 'Change on last year'),
})

_TABLES: dict[str, Mapping[str, str]] = {
    lang: MappingProxyType({key: pair[index] for key, pair in _MESSAGES.items()})
    for index, lang in enumerate(LANGUAGES)
}


def _language(lang: str) -> str:
    if lang not in _TABLES:
        raise ValueError(f"unknown report language {lang!r}; known: {', '.join(LANGUAGES)}")
    return lang


def messages(lang: str = DEFAULT_LANGUAGE) -> Mapping[str, str]:
    """Every message of ``lang``, read-only, keyed like :func:`text` (for templates)."""
    return _TABLES[_language(lang)]


def text(key: str, lang: str = DEFAULT_LANGUAGE) -> str:
    """The message ``key`` in ``lang``; ``KeyError`` naming the key when there is none."""
    table = messages(lang)
    try:
        return table[key]
    except KeyError:
        raise KeyError(f"no report message {key!r}") from None


def status_label(status: Status | str, lang: str = DEFAULT_LANGUAGE) -> str:
    """Label of a status code, e.g. ``fail`` → 不达标 / Fail."""
    return text(f"status.{Status(status).value}", lang)


def status_meaning(status: Status | str, lang: str = DEFAULT_LANGUAGE) -> str:
    """One line saying what a status means."""
    return text(f"status_meaning.{Status(status).value}", lang)


def kind_label(kind: str, lang: str = DEFAULT_LANGUAGE) -> str:
    """Name of a rule kind (every key of ``compliance.rules.kinds.KINDS``, and ``quality``)."""
    return text(f"kind.{kind}", lang)


def level_label(level: str, lang: str = DEFAULT_LANGUAGE) -> str:
    """Name of a subject level: ``hospital`` or ``region``."""
    return text(f"level.{level}", lang)


def vocab_label(vocabulary: str, code: str | None, lang: str = DEFAULT_LANGUAGE) -> str:
    """A subject attribute (grade, type, ownership, region level) by its code; "not given" when blank."""
    if not code:
        return text("pdf.cover.not_given", lang)
    return messages(lang).get(f"vocab.{vocabulary}.{code}", code)


def field_name(code: str, chinese: str, lang: str = DEFAULT_LANGUAGE) -> str:
    """Name of an identification field; ``chinese`` (the data dictionary's name) when not catalogued."""
    return messages(lang).get(f"field.{code}", chinese)


def domain_label(domain: str, lang: str = DEFAULT_LANGUAGE) -> str:
    """A rule pack's policy domain; packs name domains in Chinese, unknown ones stay as written."""
    return messages(lang).get(f"domain.{domain}", domain)


def paren(main: str, aside: str, lang: str = DEFAULT_LANGUAGE) -> str:
    """``main（aside）`` in Chinese, ``main (aside)`` in English."""
    return f"{main}（{aside}）" if lang == "zh" else f"{main} ({aside})"

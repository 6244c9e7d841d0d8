"""Layout of the self-assessment workbook: sheets, identification fields, headers.

The template writer and the reader both use these names, so a generated
template always reads back.
"""

from __future__ import annotations

from dataclasses import dataclass
from types import MappingProxyType

SHEET_GUIDE = "填报说明"
SHEET_INFO = "基本信息"
SHEET_INDICATORS = "指标"

INFO_HEADERS = ("字段代码", "项目", "填报内容", "说明")
INDICATOR_HEADERS = ("字段代码", "指标名称", "单位", "本期数", "上年同期数", "备注", "填报说明")
CODE_HEADER = "字段代码"
PRIOR_SUFFIX = "_prior"
PRIOR_NAME_SUFFIXES = ("（上年同期）", "(上年同期)", "上年同期")


@dataclass(frozen=True)
class IdentificationField:
    code: str
    name: str
    description: str
    vocabulary: str | None = None
    required: bool = True


IDENTIFICATION: tuple[IdentificationField, ...] = (
    IdentificationField("institution_code", "机构代码", "统一社会信用代码（18位数字和大写字母，照抄事业单位法人证书或营业执照）"),
    IdentificationField("institution_name", "机构名称", "医疗机构执业许可证上的第一名称"),
    IdentificationField("province", "省份", "如：黑龙江省、甘肃省、四川省、河北省"),
    IdentificationField("city", "城市", "地级市或州，如：哈尔滨市"),
    IdentificationField("grade", "医院等级", "三级、二级、一级或未定级（可写三级甲等等）", "grade"),
    IdentificationField("type", "机构类别", "综合医院、中医医院、专科医院、妇幼保健院等", "type"),
    IdentificationField("ownership", "所有制", "公立或非公立", "ownership"),
    IdentificationField("period", "报告期", "如：2024年、2024年上半年、2024年第3季度、2024-09、2024年1-9月（累计）"),
)
REGION_IDENTIFICATION: tuple[IdentificationField, ...] = (
    IdentificationField("region_code", "地区代码", "行政区划代码（6位数字，如 510000 四川省、510100 成都市），统筹区可填6位医保统筹区编码"),
    IdentificationField("region_name", "地区名称", "如：哈尔滨市、四川省、成都市医保统筹区"),
    IdentificationField("province", "省份", "如：黑龙江省、甘肃省、四川省、河北省"),
    IdentificationField("city", "城市", "地级市或州；省级填报留空", required=False),
    IdentificationField("region_level", "地区层级", "省、市、统筹区或县", "region_level"),
    IdentificationField("period", "报告期", "如：2024年、2024年上半年、2024年第3季度、2024-09、2024年1-9月（累计）"),
)
IDENTIFICATION_BY_CODE = MappingProxyType({f.code: f for f in IDENTIFICATION + REGION_IDENTIFICATION})
SUBJECT_LEVEL_TITLE = MappingProxyType({"hospital": "医院", "region": "地区"})

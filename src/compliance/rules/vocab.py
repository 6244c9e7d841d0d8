"""Controlled vocabularies of subject attributes: stable codes and Chinese labels.

Rule applicability is written with the codes; workbooks show the Chinese
labels. Readers accept either, so a clerk can type 公立 or ``public``.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

OWNERSHIP: Mapping[str, str] = MappingProxyType({
    "public": "公立",
    "private": "非公立",
})
OWNERSHIP_ALIASES: Mapping[str, str] = MappingProxyType({"民营": "private", "社会办": "private", "私立": "private", "非公": "private"})

GRADE: Mapping[str, str] = MappingProxyType({
    "level3": "三级",
    "level2": "二级",
    "level1": "一级",
    "ungraded": "未定级",
})
GRADE_ALIASES: Mapping[str, str] = MappingProxyType({
    "三级甲等": "level3", "三级乙等": "level3", "三甲": "level3", "三乙": "level3",
    "二级甲等": "level2", "二级乙等": "level2", "二甲": "level2", "二乙": "level2",
    "一级甲等": "level1", "一级乙等": "level1",
})

HOSPITAL_TYPE: Mapping[str, str] = MappingProxyType({
    "general": "综合医院",
    "tcm": "中医医院",
    "integrated": "中西医结合医院",
    "ethnic": "民族医医院",
    "specialty": "专科医院",
    "maternal_child": "妇幼保健院",
    "primary": "基层医疗卫生机构",
})
HOSPITAL_TYPE_ALIASES: Mapping[str, str] = MappingProxyType({"中医院": "tcm", "妇幼保健机构": "maternal_child"})

REGION_LEVEL: Mapping[str, str] = MappingProxyType({
    "province": "省",
    "city": "市",
    "pool": "统筹区",
    "county": "县",
})
REGION_LEVEL_ALIASES: Mapping[str, str] = MappingProxyType({"省级": "province", "市级": "city", "地市": "city", "州": "city",
                                        "医保统筹区": "pool", "县级": "county", "区": "county", "县（市、区）": "county"})

VOCABULARIES: Mapping[str, tuple[dict[str, str], dict[str, str]]] = MappingProxyType({
    "region_level": (REGION_LEVEL, REGION_LEVEL_ALIASES),
    "ownership": (OWNERSHIP, OWNERSHIP_ALIASES),
    "grade": (GRADE, GRADE_ALIASES),
    "type": (HOSPITAL_TYPE, HOSPITAL_TYPE_ALIASES),
})


def normalize(vocabulary: str, text: str) -> str | None:
    """Map a code, Chinese label or alias to the code; None if unknown."""
    codes, aliases = VOCABULARIES[vocabulary]
    cleaned = text.strip()
    if cleaned in codes:
        return cleaned
    for code, label in codes.items():
        if cleaned == label:
            return code
    return aliases.get(cleaned)


def label(vocabulary: str, code: str) -> str:
    return VOCABULARIES[vocabulary][0].get(code, code)

"""The evidence pack's section integrity: The record of changes and its verification. (To be written: see sections/base.py for the contract.)"""
from typing import Any

from leadership.evidence_pack.period import PackPeriod
from leadership.evidence_pack.sections.base import PackSection, PartContent


def _content(period: PackPeriod, args: dict[str, Any]) -> PartContent:
    return PartContent(template="leadership/pack/placeholder.html", context={"title": "The record of changes and its verification", "key": "integrity"})


SECTION = PackSection(key="integrity", title="The record of changes and its verification", scopes=frozenset({"5", "5.1", "5.2", "5.3", "9.3"}), content=_content)

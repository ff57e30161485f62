"""The evidence pack's section 5.3: Organizational roles, responsibilities and authorities. (To be written: see sections/base.py for the contract.)"""
from typing import Any

from leadership.evidence_pack.period import PackPeriod
from leadership.evidence_pack.sections.base import PackSection, PartContent


def _content(period: PackPeriod, args: dict[str, Any]) -> PartContent:
    return PartContent(template="leadership/pack/placeholder.html", context={"title": "Organizational roles, responsibilities and authorities", "key": "5.3"})


SECTION = PackSection(key="5.3", title="Organizational roles, responsibilities and authorities", scopes=frozenset({"5", "5.3"}), content=_content)

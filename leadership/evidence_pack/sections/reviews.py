"""The evidence pack's section 9.3: Management review. (To be written: see sections/base.py for the contract.)"""
from typing import Any

from leadership.evidence_pack.period import PackPeriod
from leadership.evidence_pack.sections.base import PackSection, PartContent


def _content(period: PackPeriod, args: dict[str, Any]) -> PartContent:
    return PartContent(template="leadership/pack/placeholder.html", context={"title": "Management review", "key": "9.3"})


SECTION = PackSection(key="9.3", title="Management review", scopes=frozenset({"5", "9.3"}), content=_content)

"""The evidence pack's section 5.1: Leadership and commitment. (To be written: see sections/base.py for the contract.)"""
from typing import Any

from leadership.evidence_pack.period import PackPeriod
from leadership.evidence_pack.sections.base import PackSection, PartContent


def _content(period: PackPeriod, args: dict[str, Any]) -> PartContent:
    return PartContent(template="leadership/pack/placeholder.html", context={"title": "Leadership and commitment", "key": "5.1"})


SECTION = PackSection(key="5.1", title="Leadership and commitment", scopes=frozenset({"5", "5.1"}), content=_content)

"""The evidence pack's section 5.2: Policy. (To be written: see sections/base.py for the contract.)"""
from typing import Any

from leadership.evidence_pack.period import PackPeriod
from leadership.evidence_pack.sections.base import PackSection, PartContent


def _content(period: PackPeriod, args: dict[str, Any]) -> PartContent:
    return PartContent(template="leadership/pack/placeholder.html", context={"title": "Policy", "key": "5.2"})


SECTION = PackSection(key="5.2", title="Policy", scopes=frozenset({"5", "5.2"}), content=_content)

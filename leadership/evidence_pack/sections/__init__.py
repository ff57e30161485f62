"""The sections of the evidence pack, in the order they appear (after the cover, which ``building`` draws last)."""
from leadership.evidence_pack.sections import integrity, leadership, policy, reviews, roles
from leadership.evidence_pack.sections.base import PackSection

SECTIONS: list[PackSection] = [
    leadership.SECTION,
    reviews.SECTION,
    policy.SECTION,
    roles.SECTION,
    integrity.SECTION,
]


def sections_for(scope: str) -> list[PackSection]:
    """The sections a pack of ``scope`` holds, in order."""
    return [section for section in SECTIONS if scope in section.scopes]


def section_named(key: str) -> PackSection:
    return next(section for section in SECTIONS if section.key == key)

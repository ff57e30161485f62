"""Side-by-side, word-level comparison of two policy versions (issue 3, item 5).

Lines are aligned first (a policy's Markdown keeps one paragraph or list item per line); within a pair
of changed lines, words are compared, so the reader sees exactly which words went and which came. The
output is HTML-escaped text with ``<del>`` and ``<ins>`` around the changes, ready for a template.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from difflib import SequenceMatcher

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from policy.models import PolicyVersion

# Words, runs of whitespace and single punctuation marks: joined back together they give the text unchanged.
_TOKEN = re.compile(r"\s+|\w+(?:['’]\w+)*|[^\w\s]")
# How alike two changed lines must be (0 to 1) to be shown side by side as one line edited.
PAIRING_CUTOFF = 0.4
# SequenceMatcher's (tag, i1, i2, j1, j2): replace, delete, insert or equal, and the slices of both sides.
Opcode = tuple[str, int, int, int, int]


class RowKind:
    """What happened to a line: kept, edited (words marked), rewritten, removed or added."""

    SAME = "same"
    CHANGED = "changed"
    REPLACED = "replaced"  # rewritten: too different to compare word by word
    REMOVED = "removed"
    ADDED = "added"


@dataclass(frozen=True)
class DiffRow:
    """One line of the side-by-side view: the left (older) and right (newer) text and their line numbers."""

    kind: str
    left: SafeString
    right: SafeString
    left_number: int | None = None
    right_number: int | None = None


@dataclass(frozen=True)
class TextDiff:
    """The rows of a comparison, and how many words were removed and added."""

    rows: list[DiffRow] = field(default_factory=list)
    words_removed: int = 0
    words_added: int = 0

    @property
    def identical(self) -> bool:
        return all(row.kind == RowKind.SAME for row in self.rows)

    @property
    def changed_rows(self) -> list[DiffRow]:
        """Only the lines that changed, with their numbers: the signing page's short view of a comparison."""
        return [row for row in self.rows if row.kind != RowKind.SAME]


@dataclass(frozen=True)
class VersionDiff:
    """Two versions compared: their change summaries and their texts."""

    left: PolicyVersion
    right: PolicyVersion
    change_summary: TextDiff
    body: TextDiff


def _tokens(text: str) -> list[str]:
    return _TOKEN.findall(text)


def _words(tokens: list[str]) -> int:
    return sum(1 for token in tokens if not token.isspace())


def _mark(tag: str, tokens: list[str]) -> str:
    """The tokens escaped, their words inside ``<tag>``; whitespace at either end stays outside it."""
    text = "".join(tokens)
    core = text.strip()
    if not core:
        return escape(text)
    start = text.index(core)
    return f"{escape(text[:start])}<{tag}>{escape(core)}</{tag}>{escape(text[start + len(core):])}"


def _opcodes(left: list[str], right: list[str]) -> list[Opcode]:
    """Token opcodes, with whitespace alone between two changes folded into them, so that a reader sees
    ``the <del>old word</del>`` rather than ``the <del>old</del> <del>word</del>``."""
    ops: list[Opcode] = list(SequenceMatcher(None, left, right, autojunk=False).get_opcodes())
    for k in range(1, len(ops) - 1):
        tag, i1, i2, j1, j2 = ops[k]
        if tag == "equal" and ops[k - 1][0] != "equal" and ops[k + 1][0] != "equal" and "".join(left[i1:i2]).isspace():
            ops[k] = ("replace", i1, i2, j1, j2)
    merged: list[Opcode] = []
    for op in ops:
        if merged and op[0] != "equal" and merged[-1][0] != "equal":
            merged[-1] = ("replace", merged[-1][1], op[2], merged[-1][3], op[4])
        else:
            merged.append(op)
    return merged


def _line_diff(old: str, new: str) -> tuple[str, str, int, int]:
    """The two lines as HTML with the removed words in ``<del>`` and the added ones in ``<ins>``."""
    left, right = _tokens(old), _tokens(new)
    old_html: list[str] = []
    new_html: list[str] = []
    removed = added = 0
    for tag, i1, i2, j1, j2 in _opcodes(left, right):
        if tag == "equal":
            old_html.append(escape("".join(left[i1:i2])))
            new_html.append(escape("".join(right[j1:j2])))
            continue
        old_html.append(_mark("del", left[i1:i2]))
        new_html.append(_mark("ins", right[j1:j2]))
        removed += _words(left[i1:i2])
        added += _words(right[j1:j2])
    return "".join(old_html), "".join(new_html), removed, added


def _marked(tag: str, line: str) -> SafeString:
    return mark_safe(_mark(tag, [line]) if line.strip() else escape(line))  # noqa: S308 - escaped in _mark


def _similarity(old: str, new: str) -> float:
    """How alike two lines are, from 0 to 1, by their words (whitespace and layout ignored)."""
    old_words = [token for token in _tokens(old) if not token.isspace()]
    new_words = [token for token in _tokens(new) if not token.isspace()]
    return SequenceMatcher(None, old_words, new_words, autojunk=False).ratio()


def _pair_lines(
    old_lines: list[str], new_lines: list[str], i1: int, i2: int, j1: int, j2: int
) -> list[tuple[int | None, int | None, bool]]:
    """Line up the lines of a changed block: ``(i, j, True)`` for a line edited (the two are alike enough
    to compare word by word), ``(i, j, False)`` for a line rewritten in place, ``(i, None, False)`` for a
    line removed and ``(None, j, False)`` for a line added. Order is kept on both sides."""
    anchors: list[tuple[int, int]] = []
    j = j1
    for i in range(i1, i2):
        best, best_ratio = None, PAIRING_CUTOFF
        for candidate in range(j, j2):
            ratio = _similarity(old_lines[i], new_lines[candidate])
            if ratio > best_ratio:
                best, best_ratio = candidate, ratio
        if best is not None:
            anchors.append((i, best))
            j = best + 1
    lined_up: list[tuple[int | None, int | None, bool]] = []
    i, j = i1, j1
    for anchor_i, anchor_j in [*anchors, (i2, j2)]:
        # Between two edited lines, what was removed and what was added face each other, row by row.
        gone, came = list(range(i, anchor_i)), list(range(j, anchor_j))
        for k in range(max(len(gone), len(came))):
            lined_up.append((gone[k] if k < len(gone) else None, came[k] if k < len(came) else None, False))
        if anchor_i < i2:
            lined_up.append((anchor_i, anchor_j, True))
        i, j = anchor_i + 1, anchor_j + 1
    return lined_up


def text_diff(old: str, new: str) -> TextDiff:
    """Compare two texts line by line, and the words of lines that changed."""
    old_lines, new_lines = (old or "").splitlines(), (new or "").splitlines()
    rows: list[DiffRow] = []
    removed = added = 0
    matcher = SequenceMatcher(None, old_lines, new_lines, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            rows.extend(
                DiffRow(RowKind.SAME, escape(old_lines[i]), escape(new_lines[j]), i + 1, j + 1)
                for i, j in zip(range(i1, i2), range(j1, j2), strict=True)
            )
            continue
        for i, j, alike in _pair_lines(old_lines, new_lines, i1, i2, j1, j2):
            old_line = old_lines[i] if i is not None else ""
            new_line = new_lines[j] if j is not None else ""
            left_number = i + 1 if i is not None else None
            right_number = j + 1 if j is not None else None
            if alike and old_line == new_line:
                rows.append(DiffRow(RowKind.SAME, escape(old_line), escape(new_line), left_number, right_number))
                continue
            if alike:
                left, right, gone, came = _line_diff(old_line, new_line)
                kind = RowKind.CHANGED
                left, right = mark_safe(left), mark_safe(right)  # noqa: S308 - escaped in _line_diff
            else:
                left, right = _marked("del", old_line), _marked("ins", new_line)
                gone, came = _words(_tokens(old_line)), _words(_tokens(new_line))
                kind = RowKind.REMOVED if j is None else RowKind.ADDED if i is None else RowKind.REPLACED
            rows.append(DiffRow(kind, left, right, left_number, right_number))
            removed, added = removed + gone, added + came
    return TextDiff(rows=rows, words_removed=removed, words_added=added)


def versions_compare(*, left: PolicyVersion, right: PolicyVersion) -> VersionDiff:
    """Compare two versions of a document: ``left`` is shown as the older side, ``right`` as the newer."""
    return VersionDiff(
        left=left,
        right=right,
        change_summary=text_diff(left.change_summary, right.change_summary),
        body=text_diff(left.body, right.body),
    )

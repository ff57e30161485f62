"""Trees stored as links to a parent (org units, the reporting lines of roles): one walk for every app."""
from collections.abc import Iterable


def ids_below(roots: Iterable[int], parents: Iterable[tuple[int, int | None]]) -> set[int]:
    """``roots`` and every id below them, given each id with its parent's id; a loop in the links cannot hang it."""
    children: dict[int | None, list[int]] = {}
    for pk, parent_id in parents:
        children.setdefault(parent_id, []).append(pk)
    found: set[int] = set()
    stack = list(roots)
    while stack:
        pk = stack.pop()
        if pk not in found:
            found.add(pk)
            stack.extend(children.get(pk, []))
    return found

"""Pagination shared by every long list."""
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from itertools import islice
from typing import Any, cast

from django.core.paginator import Page, Paginator
from django.db.models import BigIntegerField, ExpressionWrapper, F, QuerySet, Subquery
from django.http import HttpRequest

PAGE_SIZE = 50


class ListPage(Page):
    """A page whose objects are read once into a list, with the page numbers to link to (gaps elided)."""

    object_list: list[Any]
    elided_range: list[int | str]


class _ListPaginator(Paginator):
    def _get_page(self, *args: Any, **kwargs: Any) -> ListPage:
        return ListPage(*args, **kwargs)


def paginate(
    request: HttpRequest,
    queryset: QuerySet[Any] | Sequence[Any],
    per_page: int = PAGE_SIZE,
    *,
    count: int | None = None,
    number: int | None = None,
) -> ListPage:
    """The page of ``queryset`` (or a list) named by ``?page=``, or by ``number`` when the caller knows it (the page
    holding a record a link names); out-of-range or bad numbers give the nearest page. ``count``, when the caller
    already knows how many there are, spares counting the list again."""
    paginator = _ListPaginator(queryset, per_page)
    if count is not None:
        paginator.count = count  # Paginator.count is a cached property: set, it is never queried
    # get_page is typed to return a plain Page; _ListPaginator makes it a ListPage.
    page = cast(ListPage, paginator.get_page(request.GET.get("page") if number is None else number))
    page.object_list = list(page.object_list)  # evaluated once, so views can annotate the objects
    page.elided_range = list(page.paginator.get_elided_page_range(page.number, on_each_side=2, on_ends=1))
    return page


def querystring_without_page(request: HttpRequest) -> str:
    """The current filters as a query string, for page links that keep them."""
    params = request.GET.copy()
    params.pop("page", None)
    return params.urlencode()


# --- Keyset pages: a list too long to count, newest first ------------------------------------------------------

KEYSET_PARAMS = ("before", "after")


@dataclass
class KeysetPage:
    """A page of a list in descending id order, named by an id cursor rather than a page number: ``?before=ID``
    lists the entries older than ID, ``?after=ID`` those newer. Each page reads at most ``per_page + 1`` rows along an
    index, however long the list, and never counts the whole list.

    ``older``/``newer`` are the cursors of the neighbouring pages (None at either end); ``cursor_refused`` holds the
    text of a cursor that is not an id (the newest page is shown instead); ``past_the_end`` is True when a cursor
    points past either end of a list that is not empty (nothing to show there)."""

    object_list: list[Any]
    older: int | None = None
    newer: int | None = None
    at_newest: bool = True
    cursor_refused: str = ""
    past_the_end: bool = False

    @property
    def first_id(self) -> int | None:
        return self.object_list[0].pk if self.object_list else None

    @property
    def last_id(self) -> int | None:
        return self.object_list[-1].pk if self.object_list else None

    @property
    def has_other_pages(self) -> bool:
        return self.older is not None or self.newer is not None or not self.at_newest


def _cursor(text: str | None) -> int | None:
    """The id a cursor names; None for no cursor; ValueError for text that is no id."""
    if text is None or text == "":
        return None
    value = int(text)  # ValueError for "abc", "1.5"
    if value < 0 or value > 2**63 - 1:
        raise ValueError(text)
    return value


def _top(queryset: QuerySet[Any], order: str, count: int, *, by_range: bool) -> list[Any]:
    """The first ``count`` rows of ``queryset`` in ``order`` ("pk" or "-pk"). ``by_range`` picks them among the rows
    the filter's own index finds (their ids sorted, the rows then read by id) instead of walking the primary key
    until enough rows match: the walk may cross every newer row to reach a range far back in the list."""
    if not by_range:
        return list(queryset.order_by(order)[:count])
    key = ExpressionWrapper(F("pk") + 0, output_field=BigIntegerField())  # an order no index gives: not a walk
    ids = queryset.order_by(key.desc() if order.startswith("-") else key.asc()).values("pk")[:count]
    return list(queryset.filter(pk__in=Subquery(ids)).order_by(order))


def keyset_page(
    request: HttpRequest, queryset: QuerySet[Any], per_page: int = PAGE_SIZE, *, by_range: bool = False
) -> KeysetPage:
    """The page of ``queryset`` (newest first by id) that ``?before=``/``?after=`` name; the newest without either.

    One query for the newest page, two for any other (its rows, and whether anything lies beyond its cursor the
    other way): the same however long the list, as no page counts it. ``by_range`` reads the newest page as ``_top``
    says, for a filter whose index bounds its rows (a closed date range); a page from a cursor walks from the
    cursor, which a page of the same filter gave, so the matching rows lie right beside it."""
    refused = ""
    try:
        before, after = _cursor(request.GET.get("before")), _cursor(request.GET.get("after"))
    except ValueError:
        refused = (request.GET.get("before") or request.GET.get("after") or "")[:40]
        before = after = None
    if after is not None and before is None:
        rows = _top(queryset.filter(pk__gt=after), "pk", per_page + 1, by_range=False)
        newer_exists = len(rows) > per_page
        rows = rows[:per_page][::-1]
        older_exists = queryset.filter(pk__lte=after).exists()
        return KeysetPage(
            rows,
            older=(rows[-1].pk if rows else after + 1) if older_exists else None,
            newer=rows[0].pk if newer_exists else None,
            at_newest=not newer_exists,
            past_the_end=not rows and older_exists,
        )
    if before is None:
        rows = _top(queryset, "-pk", per_page + 1, by_range=by_range)
        older = rows[per_page - 1].pk if len(rows) > per_page else None
        return KeysetPage(rows[:per_page], older=older, cursor_refused=refused)
    rows = _top(queryset.filter(pk__lt=before), "-pk", per_page + 1, by_range=False)
    older_exists = len(rows) > per_page
    rows = rows[:per_page]
    newer_exists = queryset.filter(pk__gte=before).exists()
    return KeysetPage(
        rows,
        older=rows[-1].pk if older_exists else None,
        newer=(rows[0].pk if rows else max(before - 1, 0)) if newer_exists else None,
        at_newest=not newer_exists,
        past_the_end=not rows and newer_exists,
    )


def querystring_without_cursor(request: HttpRequest) -> str:
    """The current filters as a query string, for keyset page links (and an export) that keep them."""
    params = request.GET.copy()
    for key in (*KEYSET_PARAMS, "page"):
        params.pop(key, None)
    return params.urlencode()


def keyset_rows(queryset: QuerySet[Any], size: int) -> Iterator[Any]:
    """The rows of ``queryset``, ordered by id one way or the other, read ``size`` at a time, each read by its own
    query from where the last one ended (``id < last`` or ``id > last``): memory holds one read however many rows,
    the first row comes as soon as a page would, and no cursor or transaction stays open between reads (a
    server-side cursor outside a transaction makes PostgreSQL copy the whole result before the first row).

    Rows are handed on one by one, not kept in lists: holding thousands of model objects at a time makes Python's
    garbage collector walk the heap far more often (twice the CPU time to verify 300,000 entries).
    A queryset ordered otherwise, or sliced, is read through ``iterator()`` in chunks of ``size``."""
    query = queryset.query
    order = tuple(query.order_by or (queryset.model._meta.ordering if query.default_ordering else ()))
    descending = order in {("-id",), ("-pk",)}
    if query.is_sliced or (not descending and order not in {("id",), ("pk",)}):
        yield from queryset.iterator(chunk_size=size)
        return
    read = queryset
    while True:
        count = 0
        for row in read[:size].iterator(chunk_size=size):
            count += 1
            yield row
        if count < size:
            return
        read = queryset.filter(pk__lt=row.pk) if descending else queryset.filter(pk__gt=row.pk)


def keyset_chunks(queryset: QuerySet[Any], size: int) -> Iterator[list[Any]]:
    """The rows of ``keyset_rows`` in lists of ``size`` (for work done a chunk at a time)."""
    rows = keyset_rows(queryset, size)
    while chunk := list(islice(rows, size)):
        yield chunk

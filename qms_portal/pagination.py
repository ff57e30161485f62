"""Pagination shared by every long list."""
from collections.abc import Sequence
from typing import Any, cast

from django.core.paginator import Page, Paginator
from django.db.models import QuerySet
from django.http import HttpRequest

PAGE_SIZE = 50


class ListPage(Page):
    """A page whose objects are read once into a list, with the page numbers to link to (gaps elided)."""

    object_list: list[Any]
    elided_range: list[int | str]


class _ListPaginator(Paginator):
    def _get_page(self, *args: Any, **kwargs: Any) -> ListPage:
        return ListPage(*args, **kwargs)


def paginate(request: HttpRequest, queryset: QuerySet[Any] | Sequence[Any], per_page: int = PAGE_SIZE) -> ListPage:
    """The page of ``queryset`` (or a list) named by ``?page=``; out-of-range or bad numbers give the nearest page."""
    # get_page is typed to return a plain Page; _ListPaginator makes it a ListPage.
    page = cast(ListPage, _ListPaginator(queryset, per_page).get_page(request.GET.get("page")))
    page.object_list = list(page.object_list)  # evaluated once, so views can annotate the objects
    page.elided_range = list(page.paginator.get_elided_page_range(page.number, on_each_side=2, on_ends=1))
    return page


def querystring_without_page(request: HttpRequest) -> str:
    """The current filters as a query string, for page links that keep them."""
    params = request.GET.copy()
    params.pop("page", None)
    return params.urlencode()

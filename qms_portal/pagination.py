"""Pagination shared by every long list."""
from django.core.paginator import Page, Paginator
from django.db.models import QuerySet
from django.http import HttpRequest

PAGE_SIZE = 50


def paginate(request: HttpRequest, queryset: QuerySet, per_page: int = PAGE_SIZE) -> Page:
    """The page of ``queryset`` named by ``?page=``; out-of-range or bad numbers give the nearest page."""
    page = Paginator(queryset, per_page).get_page(request.GET.get("page"))
    page.object_list = list(page.object_list)  # evaluated once, so views can annotate the objects
    page.elided_range = list(page.paginator.get_elided_page_range(page.number, on_each_side=2, on_ends=1))
    return page


def querystring_without_page(request: HttpRequest) -> str:
    """The current filters as a query string, for page links that keep them."""
    params = request.GET.copy()
    params.pop("page", None)
    return params.urlencode()

"""Pages of lists that may hold millions of rows, without counting them all.

Django's paginator counts every row of a list to print "Page 1 of 20,000": over a million people
that COUNT(*) costs more than the page itself (issue 18). `BoundedPaginator` counts at most
`settings.LIST_COUNT_LIMIT` rows. Up to there it is Django's paginator; past it the list says
"Page 3 of more than 200", each page reads one row more than it shows to know whether a next
page exists, and a page number past the end is a 404 as before.
"""

from django.conf import settings
from django.core.paginator import EmptyPage, Page, PageNotAnInteger, Paginator
from django.utils.functional import cached_property


class BoundedPaginator(Paginator):
    def __init__(self, object_list, per_page, *args, count_rows=None, **kwargs):
        """`count_rows`: the same rows without what the page shows of them (a queryset with fewer
        joins), counted in place of `object_list`."""
        super().__init__(object_list, per_page, *args, **kwargs)
        self.count_rows = object_list if count_rows is None else count_rows

    @cached_property
    def count_limit(self) -> int:
        return settings.LIST_COUNT_LIMIT

    @cached_property
    def count(self) -> int:
        """The number of rows, or `count_limit + 1` when there are more (`count_is_exact`)."""
        if not hasattr(self.count_rows, "query"):
            return super().count
        # Unordered: any rows past the limit will do, so the database stops at the limit
        # instead of sorting everything first.
        return self.count_rows.order_by()[: self.count_limit + 1].count()

    @cached_property
    def count_is_exact(self) -> bool:
        return self.count <= self.count_limit

    def validate_number(self, number):
        if self.count_is_exact:
            return super().validate_number(number)
        try:
            number = int(number)
        except (TypeError, ValueError):
            raise PageNotAnInteger(self.error_messages["invalid_page"]) from None
        if number < 1:
            raise EmptyPage(self.error_messages["min_page"])
        return number

    def page(self, number):
        if self.count_is_exact:
            return super().page(number)
        number = self.validate_number(number)
        bottom = (number - 1) * self.per_page
        rows = list(self.object_list[bottom : bottom + self.per_page + 1])
        if not rows:
            raise EmptyPage(self.error_messages["no_results"])
        return OpenEndedPage(rows[: self.per_page], number, self, more=len(rows) > self.per_page)


class OpenEndedPage(Page):
    """A page of a list too long to count: whether another follows is known from its own read."""

    def __init__(self, object_list, number, paginator, *, more: bool):
        super().__init__(object_list, number, paginator)
        self.more = more

    def has_next(self) -> bool:
        return self.more

    @property
    def pages_exceed(self) -> int:
        """A number of pages the list is known to exceed: the ones counted, or this one when a
        next page follows it ("Page 250 of more than 250")."""
        counted = self.paginator.count_limit // self.paginator.per_page
        return max(counted, self.number)

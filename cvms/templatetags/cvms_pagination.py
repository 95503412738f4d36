"""`{% page_url n %}`: the current page's URL query with only the page number changed, so that
paging through a list keeps its filters and search (and never piles up `page=` parameters)."""

from django import template

register = template.Library()


@register.simple_tag(takes_context=True)
def page_url(context, number: int) -> str:
    query = context["request"].GET.copy()
    query["page"] = number
    return f"?{query.urlencode()}"

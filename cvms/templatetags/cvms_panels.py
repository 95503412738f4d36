"""`{% render_panel panel %}`: a dashboard panel's template, given the panel's data as `context`.

(`{% include panel.template with context=panel.context %}` can't work: Django's template
context reserves the name `context` in `push()`, so the include raised TypeError as soon as an
app contributed a panel.)
"""

from django import template
from django.template.loader import render_to_string

register = template.Library()


@register.simple_tag(takes_context=True)
def render_panel(context, panel):
    request = context.get("request")
    return render_to_string(panel.template, {"context": panel.context, "panel": panel}, request=request)

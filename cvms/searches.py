"""Searches of people whose terms never reach a URL, and one audit row per search.

A URL's query string ends up in access logs (gunicorn's, a proxy's), in browser history and in
the Referer of the next request: names, dates of birth, e-mail addresses and phone numbers must
not be in it. So a page that searches people takes its terms by POST, keeps them in the session
(stored server-side) under a random key, and sends the browser back to the page with that key
alone (`?search=<key>`): the list then reloads, paginates (`{% page_url %}` keeps the key) and
works with the Back button like any GET list. Filters that aren't personal (a status) stay in
the query string, so that a link to them can be shared (`search_public_fields`).

Each search that shows people writes one audit row, `<app>.<thing>.searched`, saying which
fields were searched and which people were found (their ids), never the terms themselves.
"""

import secrets
from collections.abc import Iterable
from urllib.parse import urlencode

from django import forms
from django.shortcuts import redirect

from cvms.audit import audit

SESSION_KEY = "cvms.searches"
QUERY_PARAMETER = "search"
# The searches a session keeps (the oldest goes first): enough for a few tabs and the Back button.
MAX_KEPT = 20


def search_keep(request, *, terms: dict[str, str]) -> str:
    """Keep `terms` (a search form's personal fields, as typed) for this page; returns the key
    that names them in the page's URL."""
    kept = dict(request.session.get(SESSION_KEY, {}))
    key = secrets.token_urlsafe(12)
    kept[key] = {"path": request.path, "terms": terms}
    for old in list(kept)[:-MAX_KEPT]:
        del kept[old]
    request.session[SESSION_KEY] = kept
    return key


def search_kept(request, *, path: str | None = None) -> dict[str, str] | None:
    """The terms named by this URL's `?search=` key, if this session kept them for this page
    (or for the page at `path`: an export of the list the person is looking at)."""
    entry = request.session.get(SESSION_KEY, {}).get(request.GET.get(QUERY_PARAMETER, ""))
    if entry is None or entry["path"] != (path or request.path):
        return None
    return entry["terms"]


def search_audit(*, action: str, request, found: Iterable[int], form: forms.Form | None = None) -> None:
    """One audit row for a search that showed people: which fields were searched (not what was
    typed in them; none for a list the system made) and the ids of the people shown."""
    searched = []
    if form is not None and form.is_bound and form.is_valid():
        searched = [name for name, value in form.cleaned_data.items() if value not in (None, "", [], ())]
    audit(
        action=action,
        by=request.user,
        request=request,
        data={"fields": sorted(searched), "found": list(found)},
    )


class PostedSearchMixin:
    """For a page (before its generic view) that searches people: the search form is POSTed,
    its terms kept in the session, and the page reloaded by GET with the key.

    Set `search_form_class`; `search_public_fields` names the form's fields that aren't personal
    and stay in the query string. The page reads its form with `self.search_form()`: bound to the
    search in the URL, or unbound when there is none (or it's another session's, or expired)."""

    search_form_class: type[forms.Form]
    search_public_fields: tuple[str, ...] = ()

    def search_form(self) -> forms.Form:
        if not hasattr(self, "_search_form"):
            data = {
                name: self.request.GET[name] for name in self.search_public_fields if name in self.request.GET
            }
            kept = search_kept(self.request)
            if kept is not None:
                data |= kept
            self._search_form = self.search_form_class(data or None)
        return self._search_form

    def post(self, request, *args, **kwargs):
        form = self.search_form_class(request.POST)
        if not form.is_valid():
            # Shown with its errors; nothing is searched, nothing kept.
            self._search_form = form
            return self.get(request, *args, **kwargs)
        query = {}
        for name in self.search_public_fields:
            if request.POST.get(name):
                query[name] = request.POST[name]
        personal = {
            name: request.POST.get(name, "") for name in form.fields if name not in self.search_public_fields
        }
        if any(value.strip() for value in personal.values()):
            query[QUERY_PARAMETER] = search_keep(request, terms=personal)
        return redirect(f"{request.path}?{urlencode(query)}" if query else request.path)

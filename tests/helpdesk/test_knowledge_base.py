import pytest
from django.urls import reverse

from cvms.models import AuditEvent
from helpdesk import services
from helpdesk.markdown import link_allowed, render_markdown
from helpdesk.models import Article
from tests.helpdesk.factories import ArticleFactory, CaseFactory, TeamFactory, agent

ATTACK = """# Title

<script>alert("article")</script>

[click me](javascript:alert(1)) [encoded](JaVaScRiPt&#58;alert(2)) [tabbed](java&#09;script:alert(3))
[data](data:text/html;base64,PHNjcmlwdD5hbGVydCg0KTwvc2NyaXB0Pg==) <img src=x onerror=alert(5)>
![pixel](javascript:alert(6))

[a fine link](https://www.ncdhhs.gov/) and [mail](mailto:help@example.org) and [page](/help/kb/)
"""


def assert_inert(html: str) -> None:
    lowered = html.lower()
    assert "<script" not in lowered
    assert "<img src=x" not in lowered
    assert 'href="javascript' not in lowered and 'src="javascript' not in lowered
    assert 'href="java' not in lowered
    assert 'href="data:' not in lowered


def test_markdown_renders_without_script_or_dangerous_links():
    html = str(render_markdown(ATTACK))

    assert_inert(html)
    assert "&lt;script&gt;" in html  # shown as text
    assert '<a href="https://www.ncdhhs.gov/">a fine link</a>' in html
    assert '<a href="mailto:help@example.org">mail</a>' in html
    assert '<a href="/help/kb/">page</a>' in html


@pytest.mark.parametrize(
    ("url", "allowed"),
    [
        ("https://example.org", True),
        ("/help/kb/1/", True),
        ("#section", True),
        ("javascript:alert(1)", False),
        (" JAVASCRIPT:alert(1)", False),
        ("java\tscript:alert(1)", False),
        ("java%09script:alert(1)", False),
        ("vbscript:x", False),
        ("data:text/html,x", False),
    ],
)
def test_link_schemes_are_allow_listed(url, allowed):
    assert link_allowed(url) is allowed


def test_an_article_page_can_not_inject_script(client, db):
    article = ArticleFactory(title="Shipping", body=ATTACK)

    html = client.get(reverse("help:kb.article", args=[article.pk])).content.decode()

    body = html.split('class="article-body">', 1)[1].split("</article>", 1)[0]
    assert_inert(body)
    assert "a fine link" in body


def test_a_note_can_not_inject_script_in_the_agents_or_the_requesters_page(client, db):
    team = TeamFactory()
    member = agent(team)
    case = CaseFactory(team=team)
    services.case_note_add(case=case, body=ATTACK, is_internal=False, by=member)
    services.case_reply(case=case, body=ATTACK, by=case.requester)

    for user, url in ((member, "help:queue.case"), (case.requester, "help:case")):
        client.force_login(user)
        html = client.get(reverse(url, args=[case.pk])).content.decode()
        bodies = html.split('class="note-body">')[1:]
        assert len(bodies) == 2
        for body in bodies:
            assert_inert(body.split("</article>", 1)[0])


def test_everyone_can_search_the_knowledge_base(client, db):
    ArticleFactory(title="Reporting wasted doses", body="Use the waste form.", category="inventory")
    ArticleFactory(title="Booking for a parent", body="Recipients can book.", category="recipient_portal")
    ArticleFactory(title="Unpublished waste draft", is_published=False)

    def titles(**params):
        return [article.title for article in client.get(reverse("help:kb"), params).context["page_obj"]]

    assert titles(q="waste") == ["Reporting wasted doses"]
    assert titles(q="waste form") == ["Reporting wasted doses"]
    assert titles(category="recipient_portal") == ["Booking for a parent"]
    assert len(titles()) == 2


def test_agent_writes_and_edits_an_article(client, db):
    member = agent()
    client.force_login(member)
    data = {"title": "Resetting MFA", "category": "account_access", "language": "en", "body": "Ask **us**."}

    response = client.post(reverse("help:kb.new"), {**data, "is_published": "on"})

    article = Article.objects.get()
    assert response["Location"] == reverse("help:kb.article", args=[article.pk])
    assert article.author == member
    client.post(reverse("help:kb.edit", args=[article.pk]), {**data, "title": "Resetting two-factor"})
    article.refresh_from_db()
    assert (article.title, article.is_published) == ("Resetting two-factor", False)
    assert list(
        AuditEvent.objects.filter(target_type="helpdesk.article", target_id=str(article.pk)).values_list(
            "action", flat=True
        )
    ) == [
        "helpdesk.article.updated",
        "helpdesk.article.created",
    ]


def test_requesters_can_not_write_articles(client, db):
    from tests.helpdesk.factories import requester

    client.force_login(requester())

    assert client.get(reverse("help:kb.new")).status_code == 403

from django.template import Context, Template
from django.test import RequestFactory

from cvms.hooks import Panel


def test_a_panel_template_reads_its_data_as_context(tmp_path, settings):
    (tmp_path / "panel.html").write_text("{{ context.greeting }} {{ context.count }}")
    settings.TEMPLATES[0]["DIRS"] = [tmp_path, *settings.TEMPLATES[0]["DIRS"]]
    panel = Panel(title="T", template="panel.html", context={"greeting": "hello", "count": 3})

    rendered = Template("{% load cvms_panels %}{% render_panel panel %}").render(
        Context({"panel": panel, "request": RequestFactory().get("/")})
    )

    assert rendered == "hello 3"

from django.template import Context, Template
from django.test import RequestFactory

from cvms.hooks import Panel


def test_a_panel_template_reads_its_data_as_context(db):
    panel = Panel(
        title="T", template="recipients/panel_register.html", context={"self_registration_open": True}
    )

    rendered = Template("{% load cvms_panels %}{% render_panel panel %}").render(
        Context({"panel": panel, "request": RequestFactory().get("/")})
    )

    assert "No invitation? Register yourself." in rendered

from cvms.emails import render_email


def test_plain_text_and_subject_are_not_html_escaped():
    rendered = render_email(
        "notice",
        {"subject": "O'Brien & Sons", "name": "Rosa", "paragraphs": ["It's <done>."]},
        language="en",
    )

    assert rendered["subject"] == "O'Brien & Sons"
    assert "It's <done>." in rendered["text"]
    assert "It&#x27;s &lt;done&gt;." in rendered["html"]  # the HTML part stays escaped

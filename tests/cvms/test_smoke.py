from django.urls import reverse


def test_login_page_is_served(client, db):
    response = client.get(reverse("account_login"))
    assert response.status_code == 200
    assert b'name="login"' in response.content

import pytest
from flask import abort


@pytest.fixture
def failing_app(app):
    app.config["PROPAGATE_EXCEPTIONS"] = False

    @app.get("/boom/<int:code>")
    def boom(code):
        if code == 500:
            raise RuntimeError("kaboom")
        abort(code)

    return app


@pytest.mark.parametrize(
    ("code", "title"),
    [
        (400, "Bad request"),
        (403, "Not allowed"),
        (404, "Page not found"),
        (500, "Something went wrong"),
    ],
)
def test_error_pages(failing_app, client, auth, code, title):
    auth.login()
    response = client.get(f"/boom/{code}")
    assert response.status_code == code
    text = response.get_data(as_text=True)
    assert f"<title>{title}" in text
    assert "kaboom" not in text


def test_error_pages_in_chinese(failing_app, client, auth):
    auth.login()
    response = client.get("/boom/403", headers={"Accept-Language": "zh-CN"})
    assert "无权访问" in response.get_data(as_text=True)


def test_unknown_address_is_404_even_when_logged_out(client):
    response = client.get("/no/such/page")
    assert response.status_code == 404
    assert "Page not found" in response.get_data(as_text=True)

"""The report's URL fetcher: the app's static files and nothing else (report/fetcher.py)."""

import pytest

from assessment.report import fetcher


@pytest.mark.parametrize(
    "url",
    [
        "file:///etc/passwd",
        "file:///work/main/assessment/static/report.css",
        "http://example.com/report.css",
        "https://example.com/static/report.css",
        "http://report.invalid/static/report.css",
        "https://report.invalid/static/../../etc/passwd",
        "https://report.invalid/static/%2e%2e/%2e%2e/etc/passwd",
        "https://report.invalid/static/..%2f..%2fsettings.py",
        "https://report.invalid/static//etc/passwd",
        "https://report.invalid/static/missing.css",
        "https://report.invalid/etc/passwd",
        "data:text/css,body{}",
    ],
)
def test_fetcher_refuses_anything_but_static_files(url):
    with pytest.raises(fetcher.ResourceRefused):
        fetcher.safe_url_fetcher(url)


def test_fetcher_serves_static_files():
    response = fetcher.safe_url_fetcher(fetcher.STATIC_URL + "report.css")
    assert response.content_type == "text/css"
    assert b"@page" in response.read()


def test_fetcher_refuses_a_symlink_out_of_static(tmp_path):
    static = tmp_path / "static"
    static.mkdir()
    (tmp_path / "secret.txt").write_text("secret")
    (static / "link.css").symlink_to(tmp_path / "secret.txt")
    serve = fetcher.StaticFilesFetcher(static)
    with pytest.raises(fetcher.ResourceRefused):
        serve(fetcher.STATIC_URL + "link.css")

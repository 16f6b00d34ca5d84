"""The workbench's defences: Host and Origin checks, the CSRF token, headers, loopback only, no leaks."""

import pytest

from ipe.errors import IpeError
from ipe.web import Settings, create_app
from ipe.web.app import check_host

from webbench import phrase


def test_wrong_host_header_is_refused(bench):
    response = bench.get("/", headers={"Host": "evil.example:8765"})
    assert response.status_code == 421
    assert "evil" not in response.text


def test_rebound_name_on_the_right_port_is_refused_for_writes_too(bench):
    start, end = phrase(bench, "colon", "sit together")
    response = bench.client.post("/api/codings", json={"source": "colon", "start": start, "end": end,
                                                       "code": "ctx-relationships"},
                                 headers={"Host": "rebind.example:8765", "Origin": "http://rebind.example:8765",
                                          "X-CSRF-Token": bench.settings.token})
    assert response.status_code == 421
    with bench.store() as store:
        assert store.codings(coders=["ana"]) == []


def test_localhost_is_the_same_loopback_address(bench):
    assert bench.get("/", headers={"Host": "localhost:8765"}).status_code == 200


@pytest.mark.parametrize("token, origin", [(False, "http://127.0.0.1:8765"), ("stale", "http://127.0.0.1:8765"),
                                           (True, "http://evil.example"), (True, None)])
def test_writes_need_the_token_and_the_own_origin(bench, token, origin):
    start, end = phrase(bench, "colon", "sit together")
    with bench.store() as store:
        before = store.logical_checksum()
    response = bench.post("/api/codings", {"source": "colon", "start": start, "end": end, "code": "ctx-relationships"},
                          token=token, origin=origin)
    assert response.status_code == 403
    assert "error" in response.json()
    with bench.store() as store:
        assert store.logical_checksum() == before


@pytest.mark.parametrize("url", ["/api/codings", "/api/codings/1/remove", "/api/codings/1/move", "/api/memos",
                                 "/api/review"])
def test_every_write_endpoint_refuses_without_the_token(bench, url):
    assert bench.post(url, {}, token=False).status_code == 403


def test_strict_headers_on_every_response(bench):
    for url in ("/", "/static/ipe.css", "/no-such-page"):
        headers = bench.get(url).headers
        csp = headers["content-security-policy"]
        assert "default-src 'none'" in csp and "script-src 'self'" in csp and "frame-ancestors 'none'" in csp
        assert headers["x-frame-options"] == "DENY"
        assert headers["x-content-type-options"] == "nosniff"


def test_pages_have_no_inline_script_or_style(bench):
    html = bench.get("/source/colon").text
    assert "<script>" not in html and "style=" not in html and "onclick" not in html
    assert '<script type="application/json"' in html


def test_no_directory_listing_and_no_path_escape(bench):
    assert bench.get("/static/").status_code == 404
    assert bench.get("/static/../app.py").status_code == 404
    assert "review.js" not in bench.get("/static/").text


def test_server_errors_show_no_stack_trace(bench, monkeypatch):
    from ipe.web.views import project as view

    def broken(*args, **kwargs):
        raise RuntimeError("secret internals")

    monkeypatch.setattr(view, "code_tree", broken)
    response = bench.get("/")
    assert response.status_code == 500
    assert "secret internals" not in response.text and "Traceback" not in response.text
    assert "nothing was changed" in response.text


def test_another_host_is_refused_in_local_mode(web_project):
    with pytest.raises(IpeError, match="loopback"):
        create_app(Settings(project=web_project, coder="ana", host="0.0.0.0"))
    check_host(Settings(project=web_project, host="::1"))


def test_serve_refuses_another_host_from_the_cli(web_project, runner):
    from ipe.cli import cli

    result = runner.invoke(cli, ["--project", str(web_project), "serve", "--host", "192.168.1.5"])
    assert result.exit_code != 0
    assert "Error: --host 192.168.1.5: local mode serves only loopback" in result.output


def test_templates_escape_stored_text(bench):
    with bench.store() as store:
        sid = store.source_ids()[0]
        from ipe import project

        project.add_memo(store, "source", sid, "<script>alert(1)</script>", "ana")
    html = bench.get(f"/source/{sid}").text
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_serve_takes_the_project_after_the_command_too(web_project, runner, monkeypatch):
    from ipe.cli import cli
    from ipe.web import app

    seen = {}
    monkeypatch.setattr(app, "serve", lambda settings, open_browser=False: seen.update(project=settings.project,
                                                                                      coder=settings.coder))
    result = runner.invoke(cli, ["serve", "--project", str(web_project), "--coder", "ana"])
    assert result.exit_code == 0, result.output
    assert seen == {"project": str(web_project), "coder": "ana"}

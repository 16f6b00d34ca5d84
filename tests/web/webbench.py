"""Helpers of the workbench tests: a test client with the workbench's own origin and token."""

from starlette.testclient import TestClient

from ipe import project
from ipe.web import Settings, create_app

BASE = "http://127.0.0.1:8765"


class Workbench:
    """A test client with the workbench's own origin and token, and the store behind it."""

    def __init__(self, folder, **options):
        self.folder = folder
        self.settings = Settings(project=folder, port=8765, **{"coder": "ana", "identifiable": True, **options})
        self.client = TestClient(create_app(self.settings), base_url=BASE, raise_server_exceptions=False)

    def get(self, url, **kw):
        return self.client.get(url, **kw)

    def post(self, url, body=None, token=True, origin=BASE, headers=None):
        sent = {"Content-Type": "application/json"}
        if origin:
            sent["Origin"] = origin
        if token:
            sent["X-CSRF-Token"] = self.settings.token if token is True else token
        sent.update(headers or {})
        return self.client.post(url, json=body if body is not None else {}, headers=sent)

    def store(self):
        return project.open_store(self.folder)


def phrase(bench, source_id, words):
    """``(start, end)`` of ``words`` in a source's stored text."""
    with bench.store() as store:
        text = store.source(source_id, structure=False).text
    start = text.index(words)
    return start, start + len(words)

import socket
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="session")
def app_client():
    """The real app, launched on a free local port, and a gradio_client talking to it."""
    from gradio_client import Client

    import app

    port = free_port()
    app.launch(server_port=port, prevent_thread_lock=True, quiet=True)
    client = Client(f"http://127.0.0.1:{port}/", verbose=False)
    yield client, port
    app.demo.close()


@pytest.fixture(scope="session")
def browser():
    """Headless Debian Chromium through Playwright; the test is skipped, with the reason, where either is missing
    (.ci/run installs both)."""
    import shutil

    playwright = pytest.importorskip("playwright.sync_api", reason="Playwright is not installed "
                                     "(pip install -r requirements-dev.txt)")
    chromium = shutil.which("chromium")
    if chromium is None:
        pytest.skip("Chromium is not installed (apt-get install chromium)")
    with playwright.sync_playwright() as p:
        b = p.chromium.launch(executable_path=chromium,
                              args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"])
        yield b
        b.close()


@pytest.fixture
def page(browser, app_client):
    """A fresh desktop-sized page on the launched app (tab 1 open, its first image decoded)."""
    _, port = app_client
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    page.app_url = f"http://127.0.0.1:{port}/"
    yield page
    page.close()

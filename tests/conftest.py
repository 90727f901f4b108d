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


def start_app(tmp_path, cwd: Path = ROOT, **env):
    """`python app.py` in `cwd` (the checkout, or a tree to deploy), in a subprocess with these environment
    variables; the process and its address once it answers."""
    import os
    import subprocess
    import tempfile
    import time

    import httpx

    port = free_port()
    log = tempfile.TemporaryFile()          # not a pipe: a pipe nobody reads would stall a talkative app
    proc = subprocess.Popen([sys.executable, "app.py"], cwd=cwd, stdout=subprocess.DEVNULL, stderr=log,
                            env={**os.environ, "GRADIO_SERVER_PORT": str(port), "GRADIO_TEMP_DIR": str(tmp_path),
                                 **env})
    url, deadline = f"http://127.0.0.1:{port}", time.time() + 120
    while time.time() < deadline and proc.poll() is None:
        try:
            if httpx.get(url + "/config", timeout=2).status_code == 200:
                return proc, url
        except httpx.HTTPError:
            time.sleep(0.3)
    proc.kill()
    proc.wait()
    log.seek(0)
    raise AssertionError(f"the app did not start: {log.read().decode(errors='replace')[-3000:]}")


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


CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking"]
# Chromium's software WebGPU adapter (SwiftShader): a GPU for the page's WebGPU path where there is none
SOFTWARE_WEBGPU_ARGS = ["--enable-unsafe-webgpu", "--use-webgpu-adapter=swiftshader"]


@pytest.fixture(scope="session")
def playwright_driver():
    """Playwright, started once for the session; the test is skipped, with the reason, where it or Debian's Chromium is
    missing (.ci/run installs both)."""
    import shutil

    playwright = pytest.importorskip("playwright.sync_api", reason="Playwright is not installed "
                                     "(pip install -r requirements-dev.txt)")
    if shutil.which("chromium") is None:
        pytest.skip("Chromium is not installed (apt-get install chromium)")
    with playwright.sync_playwright() as p:
        yield p


def launch_chromium(driver, extra_args: tuple = ()):
    import shutil
    return driver.chromium.launch(executable_path=shutil.which("chromium"), args=[*CHROMIUM_ARGS, *extra_args])


@pytest.fixture(scope="session")
def browser(playwright_driver):
    """Headless Debian Chromium through Playwright (no GPU, no WebGPU adapter: the page's CPU paths)."""
    b = launch_chromium(playwright_driver)
    yield b
    b.close()


@pytest.fixture(scope="session")
def webgpu_browser(playwright_driver):
    """Headless Chromium with its software WebGPU adapter, for the page's WebGPU path."""
    b = launch_chromium(playwright_driver, SOFTWARE_WEBGPU_ARGS)
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

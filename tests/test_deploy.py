"""Deploying to a Space (deploy.py): the tree sent, its front matter and requirements, the app started from that
tree alone, the calls made to the Hub, and ZeroGPU's path as far as it goes without a GPU."""
import importlib.metadata
import json
import re
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import httpx
import pytest
from conftest import ROOT, start_app
from huggingface_hub import SpaceCard
from huggingface_hub.errors import HfHubHTTPError, RepositoryNotFoundError
from packaging.requirements import Requirement

import deploy

# ZeroGPU's supported torch versions (hub-docs, docs/hub/spaces-zerogpu.md) and the torchvision built for each
ZERO_GPU_TORCH = {"2.8.0": "0.23.0", "2.9.1": "0.24.1", "2.10.0": "0.25.0", "2.11.0": "0.26.0"}
EXAMPLES = ROOT / "examples" / "style"


@pytest.fixture(scope="module")
def trees(tmp_path_factory):
    """The tree each hardware gets, written once by the dry run."""
    out = {}
    for hardware in ("cpu-basic", "zerogpu", "t4-small"):
        folder = tmp_path_factory.mktemp(hardware)
        assert deploy.main(["learner/genmodels", "--hardware", hardware, "--dry-run", str(folder / "tree")]) == 0
        out[hardware] = folder / "tree"
    return out


def files_in(folder: Path) -> set[str]:
    return {p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file()}


def test_the_tree_holds_what_the_app_needs_and_nothing_else(trees):
    sent = files_in(trees["cpu-basic"])
    for needed in ("app.py", "requirements.txt", "README.md", "ui/static/tabs/explorer.js",
                   "examples/style/chelsea.jpg", "examples/mnist-test-sample.safetensors", "genmodels/registry.py",
                   "ui/style_tab.py"):
        assert needed in sent, needed
    assert {f"weights/{p.name}" for p in (ROOT / "weights").glob("*.safetensors")} <= sent
    assert not [p for p in sent if re.match(r"(tests|bench|train|\.venv|\.git|\.ci)/|.*__pycache__|.*\.pyc$", p)]
    assert {p for p in sent if p.startswith("docs/")} == set(deploy.readme_pictures())     # of docs/, these only
    assert "deploy.py" not in sent and "BENCHMARKS.md" not in sent
    readme = (trees["cpu-basic"] / "README.md").read_text()
    for picture in re.findall(r"!\[[^]]*\]\(([^)]+)\)", readme):     # the README's pictures show on the Space
        assert picture in sent, picture


def test_the_dry_run_lists_every_file_with_its_size_and_the_total(tmp_path, capsys):
    assert deploy.main(["learner/genmodels", "--dry-run", str(tmp_path / "tree")]) == 0
    listed = capsys.readouterr().out
    files = [p for p in (tmp_path / "tree").rglob("*") if p.is_file()]
    assert listed.startswith("Would upload to https://huggingface.co/spaces/learner/genmodels (cpu-basic):")
    assert f"{sum(p.stat().st_size for p in files):,}  bytes in {len(files)} files" in listed
    vgg = ROOT / "weights" / "vgg16-imagenet-conv1_1-conv5_1.safetensors"
    assert f"{vgg.stat().st_size:,}  weights/{vgg.name}" in listed


@pytest.mark.parametrize("hardware", ["cpu-basic", "zerogpu", "t4-small"])
def test_front_matter_and_requirements_follow_the_spaces_references(trees, hardware):
    tree = trees[hardware]
    card = SpaceCard.load(tree / "README.md").data
    assert card.sdk == "gradio" and card.sdk_version == importlib.metadata.version("gradio")
    assert (tree / card.app_file).is_file() and card.app_file == "app.py"
    assert isinstance(card.python_version, str) and re.fullmatch(r"3\.\d+(\.\d+)?", card.python_version)
    requirements = {Requirement(line.split("#")[0]).name: Requirement(line.split("#")[0])
                    for line in (tree / "requirements.txt").read_text().splitlines() if line.split("#")[0].strip()}
    assert str(requirements["gradio"].specifier) == f"=={card.sdk_version}"    # the Gradio tested here, nothing else
    if hardware == "zerogpu":
        assert card.python_version in ("3.10.13", "3.12.12") and card.hf_oauth is True
        assert card.get("suggested_hardware") is None            # ZeroGPU is not a value the reference allows
        torch, vision = (str(requirements[n].specifier).removeprefix("==") for n in ("torch", "torchvision"))
        assert ZERO_GPU_TORCH[torch] == vision
        assert requirements["gradio"].extras == {"oauth"}         # gr.LoginButton needs them
    else:
        assert card.get("hf_oauth") is None
        assert card.suggested_hardware == hardware and hardware in deploy.SUGGESTABLE
        assert str(requirements["torch"].specifier) == str(Requirement("torch>=2.4,<3").specifier)
    checkout = SpaceCard.load(ROOT / "README.md").data       # the checkout itself stays bounded, as it was
    assert "torch>=2.4,<3" in (ROOT / "requirements.txt").read_text() and checkout.sdk == "gradio"


def test_the_app_starts_from_the_tree_alone_and_every_tab_shows_its_first_view(trees, tmp_path, browser):
    from gradio_client import Client, handle_file

    tree = trees["cpu-basic"]
    proc, url = start_app(tmp_path, cwd=tree, PYTHONPATH="")
    try:
        client = Client(url + "/", verbose=False)
        assert client.predict("mnist", 0.5, -0.5, api_name="/decode")
        clean, noisy, denoised, median, *_ = client.predict("mnist", 3, None, "gaussian", 0.5, 0, "mnist",
                                                            api_name="/denoise")
        assert all(Path(image["value"]).is_file() for image in (clean, noisy, denoised, median))
        assert len(client.predict("fashion", 1, 4, api_name="/generate")) > 0
        *_, status, _ = client.predict(handle_file(str(EXAMPLES / "chelsea.jpg")),
                                       handle_file(str(EXAMPLES / "starry_night.jpg")), 1, 1, 10, 64, 10, "adam",
                                       "content", False, False, None, api_name="/stylize")
        assert status.startswith("**Done**")
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        page.goto(url)
        # tab 1 decodes in the page: its script and the browser decoder's weights come from the tree
        page.wait_for_function("() => window.Genmodels?.tabs.explorer.stats.draws > 0",
                               timeout=60_000)
        for tab, shown in (("Latent map", ".js-plotly-plot"), ("Denoising", "img"), ("GAN", "img"),
                           ("Style transfer", "img")):
            page.get_by_role("tab", name=tab).click()
            page.wait_for_function("""(sel) => [...document.querySelectorAll('.tabitem')]
                .filter((t) => t.offsetParent !== null)
                .some((t) => [...t.querySelectorAll(sel)].some((e) => e.offsetWidth > 0 &&
                                                                 (e.tagName !== 'IMG' || e.naturalWidth > 0)))""",
                                   arg=shown, timeout=30_000)
        assert page.locator(".toast-body").count() == 0
        page.close()
    finally:
        proc.terminate()
        proc.wait(timeout=30)


class FakeHub:
    """Stands in for HfApi: records the calls deploy makes and what the folder held when it was uploaded. A Space
    that exists (hardware given) holds `files`."""

    def __init__(self, hardware: str | None, files: list[str] | None = None):
        self.calls, self.sent, self.hardware = [], set(), hardware
        self.files = [".gitattributes", "app.py", "README.md"] if files is None else files

    def list_repo_files(self, repo_id, repo_type=None):
        if self.hardware is None:
            import httpx2
            response = httpx2.Response(404, request=httpx2.Request("GET", "https://huggingface.co/api/spaces/x"))
            raise RepositoryNotFoundError("404", response=response)
        return self.files

    def create_repo(self, repo_id, **kwargs):
        self.calls.append(("create_repo", repo_id, kwargs))
        return f"https://huggingface.co/spaces/{repo_id}"

    def upload_folder(self, **kwargs):
        self.calls.append(("upload_folder", kwargs["repo_id"], kwargs))
        self.sent = files_in(Path(kwargs["folder_path"]))

    def get_space_runtime(self, repo_id):
        return type("Runtime", (), {"hardware": self.hardware, "requested_hardware": None})()

    def request_space_hardware(self, repo_id, hardware):
        self.calls.append(("request_space_hardware", repo_id, {"hardware": hardware}))


@pytest.mark.parametrize("running,switched", [(None, True), ("cpu-basic", True), ("zero-a10g", False)])
def test_deploy_creates_the_space_uploads_the_tree_in_place_and_sets_its_hardware(trees, running, switched):
    hub = FakeHub(running)
    force = running is not None                              # a Space that exists changes only with --force
    assert deploy.deploy("learner/genmodels", "zerogpu", api=hub, force=force) == \
        "https://huggingface.co/spaces/learner/genmodels"
    (_, repo, create), (_, _, upload), *rest = hub.calls
    assert repo == "learner/genmodels" and create["repo_type"] == "space" and create["space_sdk"] == "gradio"
    assert create["space_hardware"] == "zero-a10g" and create["exist_ok"] is True
    assert upload["repo_type"] == "space" and upload["delete_patterns"] == "*"      # what a former deploy left goes
    assert hub.sent == files_in(trees["zerogpu"])            # exactly the dry run's tree
    assert rest == ([("request_space_hardware", repo, {"hardware": "zero-a10g"})] if switched else [])


def test_deploy_onto_a_space_that_exists_lists_what_it_would_destroy_and_needs_force(capsys, monkeypatch):
    hub = FakeHub("cpu-basic", [".gitattributes", "app.py", "notes/keep.md", "data.bin"])
    monkeypatch.setattr(deploy, "HfApi", lambda: hub)
    assert deploy.main(["learner/genmodels", "--hardware", "zerogpu"]) == 2
    err = capsys.readouterr().err
    assert "The Space learner/genmodels already exists" in err and "Run the command again with --force" in err
    assert "delete 2 files: data.bin, notes/keep.md" in err and "replace 1 file: app.py" in err
    assert "change its hardware from cpu-basic to zero-a10g" in err and ".gitattributes" not in err
    assert hub.calls == []                                   # nothing created, uploaded or switched
    assert deploy.main(["learner/genmodels", "--hardware", "zerogpu", "--force"]) == 0
    assert [c[0] for c in hub.calls] == ["create_repo", "upload_folder", "request_space_hardware"]


def test_hidden_files_and_symbolic_links_are_never_sent(tmp_path):
    import shutil

    root = tmp_path / "checkout"
    shutil.copytree(ROOT, root, ignore=shutil.ignore_patterns(".git", ".venv", "__pycache__", "docs", "tests",
                                                               "bench", "train", "export",
                                                               "*.safetensors"))
    secret = tmp_path / "secret.txt"
    secret.write_text("a key")
    (root / "ui" / "static" / ".env").write_text("TOKEN=x")
    (root / "ui" / "static" / "linked.js").symlink_to(secret)
    (root / "examples" / "elsewhere").symlink_to(tmp_path, target_is_directory=True)
    sent = deploy.space_files(root)
    assert "ui/static/core/nn.js" in sent and "app.py" in sent
    assert not [f for f in sent if ".env" in f or "linked" in f or f.startswith("examples/elsewhere")]


@pytest.mark.parametrize("argv,message", [
    (["learner", "--dry-run", "x"], "A Space is named USER/NAME"),
    (["learner/bad name!", "--dry-run", "x"], "Repo id must use alphanumeric chars"),
    (["learner/genmodels", "--hardware", "h100", "--dry-run", "x"], "Unknown Space hardware 'h100': use zerogpu"),
])
def test_a_bad_argument_is_one_clear_line(argv, message, capsys, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert deploy.main(argv) == 2
    err = capsys.readouterr().err
    assert err.startswith("deploy: ") and message in err and "Traceback" not in err
    assert not (tmp_path / "x").exists()


def test_a_dry_run_into_a_folder_with_files_changes_nothing(tmp_path, capsys):
    (tmp_path / "mine.txt").write_text("keep me")
    assert deploy.main(["learner/genmodels", "--dry-run", str(tmp_path)]) == 2
    assert "is not empty" in capsys.readouterr().err and files_in(tmp_path) == {"mine.txt"}


@pytest.mark.parametrize("status,hint", [(402, "free account in good standing may host up to 2 ZeroGPU Spaces"),
                                         (401, "hf auth login")])
def test_a_refusal_from_the_hub_says_what_to_do(monkeypatch, capsys, status, hint):
    import httpx2

    def refuse(*args, **kwargs):
        response = httpx2.Response(status, request=httpx2.Request("POST", "https://huggingface.co/api/repos/create"))
        raise HfHubHTTPError(f"{status} refused", response=response)
    monkeypatch.setattr(deploy, "deploy", refuse)
    assert deploy.main(["learner/genmodels"]) == 1
    err = capsys.readouterr().err
    assert "the Hub refused" in err and hint in err


class ZeroGpuDeviceApi(BaseHTTPRequestHandler):
    """Stands in for ZeroGPU's device API (spaces/zero/api.py): records the requests, and answers a request for a
    GPU as the real one does when the daily quota is used up (429 with the seconds left and the wait)."""
    seen: list[str] = []

    def do_POST(self):
        self.seen.append(self.path)
        if self.path.startswith("/schedule"):
            body = json.dumps({"left": 12, "wait": 3600}).encode()
            self.send_response(429)
            self.send_header("content-type", "application/json")
        else:
            body = b""
            self.send_response(200)
        self.send_header("content-length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


def test_on_zero_gpu_the_page_offers_sign_in_and_a_run_asks_for_its_gpu_time(trees, tmp_path, browser):
    """The ZeroGPU tree under ZeroGPU's own configuration (what a ZeroGPU Space with hf_oauth sets): `spaces`
    patches torch, reports the start-up, and a style run asks the device API for the GPU time the status line
    names; the quota answer reaches the visitor as a message, and the app keeps serving."""
    from gradio_client import Client, handle_file
    from spaces.zero.config import get_config

    from ui.style_tab import gpu_seconds
    from ui.train_tab import GPU_START_SECONDS

    server = ThreadingHTTPServer(("127.0.0.1", 0), ZeroGpuDeviceApi)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    api = f"http://127.0.0.1:{server.server_address[1]}"
    proc, url = start_app(tmp_path, cwd=trees["zerogpu"], PYTHONPATH="", SPACES_ZERO_GPU="true",
                          SPACES_ZERO_DEVICE_API_URL=api, SYSTEM="spaces", SPACE_ID="learner/genmodels",
                          OAUTH_CLIENT_ID="genmodels-test", OAUTH_CLIENT_SECRET="not-a-secret",
                          OAUTH_SCOPES="openid profile", OPENID_PROVIDER_URL=api)
    try:
        config = httpx.get(url + "/config").json()
        text = {c["props"].get("elem_id"): c["props"].get("value") for c in config["components"]}
        assert "Sign in with Hugging Face" in [c["props"].get("value") for c in config["components"]]
        assert "/_check_login_status" in {f"/{d.get('api_name')}" for d in config["dependencies"]}
        assert "asks for 10–90 s of GPU time" in text["style-status"] and "ZeroGPU" in text["style-status"]
        assert "signed in, you spend your own" in text["style-quota"]
        assert ZeroGpuDeviceApi.seen[:1] == ["/startup-report"]
        client = Client(url + "/", verbose=False)
        settings = dict(size=512, steps=400)
        with pytest.raises(Exception, match="The shared GPU could not run this: Space app has reached its GPU limit"):
            client.predict(handle_file(str(EXAMPLES / "chelsea.jpg")), handle_file(str(EXAMPLES / "gravel.png")),
                           1, 1, 10, settings["size"], settings["steps"], "lbfgs", "content", False, False, None,
                           api_name="/stylize")
        asked = [p for p in ZeroGpuDeviceApi.seen if p.startswith("/schedule")]
        stretch = get_config()["duration_factor"]       # `spaces` stretches a request on a slower GPU (1 here)
        assert len(asked) == 1 and f"durationSeconds={round(gpu_seconds(None, None, settings) * stretch)}&" in (
            asked[0] + "&")
        with pytest.raises(Exception, match="The shared GPU could not run this: Space app has reached its GPU limit"):
            client.predict("mnist", 1.0, 0, 60, api_name="/train")              # a training run asks too
        asked = [p for p in ZeroGpuDeviceApi.seen if p.startswith("/schedule")]
        assert len(asked) == 2 and f"durationSeconds={round((60 + GPU_START_SECONDS) * stretch)}&" in asked[1] + "&"
        assert client.predict("mnist", 0.0, 0.0, api_name="/decode")          # the other tabs go on, on the CPU
        page = browser.new_page(viewport={"width": 390, "height": 844})
        page.goto(url)          # a visitor's first view: every tab's load event, none refused as "busy"
        page.wait_for_function("() => window.Genmodels?.tabs.explorer.stats.draws > 0",
                               timeout=60_000)
        page.get_by_role("tab", name="Style transfer").click()
        page.get_by_role("button", name="Sign in with Hugging Face").wait_for(timeout=10_000)
        page.wait_for_timeout(2000)
        assert page.locator(".toast-body").count() == 0
        assert "Not signed in" in page.locator("#style-signed-in").inner_text()
        page.close()
    finally:
        proc.terminate()
        proc.wait(timeout=30)
        server.shutdown()

"""The README's Python snippets run as written, from the repository root (nothing in them is left undefined)."""
import os
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def python_blocks() -> list[str]:
    return re.findall(r"```python\n(.*?)```", (ROOT / "README.md").read_text(), flags=re.S)


def run_block(code: str) -> dict:
    namespace: dict = {}
    cwd = os.getcwd()
    os.chdir(ROOT)
    try:
        exec(compile(code, "README.md", "exec"), namespace)
    finally:
        os.chdir(cwd)
    return namespace


def test_the_library_snippet_runs_as_written(capsys):
    code = next(b for b in python_blocks() if "genmodels.load_model" in b and "Client(" not in b)
    ns = run_block(code)
    assert tuple(ns["x"].shape) == (8, 1, 28, 28) and tuple(ns["mu"].shape) == (8, 2)
    assert tuple(ns["x_small"].shape) == (8, 1, 14, 14) and tuple(ns["x_hat"].shape) == (8, 1, 28, 28)
    assert tuple(ns["imgs"].shape) == (16, 1, 28, 28) and ns["frame"].final
    assert ns["look"].done and ns["look"].step > 100 and tuple(ns["look"].test_mu.shape) == (2000, 2)
    assert "30 {" in capsys.readouterr().out                                # the style run's last frame


def test_the_scripting_snippet_runs_against_the_app(app_client, capsys):
    _, port = app_client
    code = next(b for b in python_blocks() if "Client(" in b)
    assert 'Client("http://127.0.0.1:7860/")' in code
    ns = run_block(code.replace("http://127.0.0.1:7860/", f"http://127.0.0.1:{port}/"))
    assert Path(ns["png"]).exists() and Path(ns["grid"]).exists() and "autoencoder gains" in ns["summary"]
    assert "Done" in capsys.readouterr().out.strip().splitlines()[-1]


@pytest.mark.parametrize("command", ["python3 -m venv .venv", "pip install -r requirements.txt && python app.py"])
def test_the_quick_start_puts_the_cpu_choice_before_the_install(command):
    text = (ROOT / "README.md").read_text()
    assert command in text
    assert text.index("whl/cpu") < text.index("pip install -r requirements.txt && python app.py")


def test_the_deploy_commands_parse_and_the_dry_run_runs_as_written(tmp_path, capsys):
    import shlex

    import deploy

    commands = re.findall(r"^python -m deploy (.*?)(?:\s+#.*)?$", (ROOT / "README.md").read_text(), flags=re.M)
    assert len(commands) >= 3 and any("--hardware zerogpu" in c for c in commands)
    dry = next(shlex.split(c) for c in commands if "--dry-run" in c)
    dry[dry.index("--dry-run") + 1] = str(tmp_path / "space")
    assert deploy.main(dry) == 0 and (tmp_path / "space" / "app.py").is_file()
    said = re.search(r"about (\d+) MiB in (\d+) files", (ROOT / "README.md").read_text())
    listed = re.search(r"\(([\d.]+) MiB\)", capsys.readouterr().out)
    files = [p for p in (tmp_path / "space").rglob("*") if p.is_file()]
    assert said and int(said[2]) == len(files) and abs(float(listed[1]) - int(said[1])) < 1.5

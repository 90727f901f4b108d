"""Put this checkout on a Hugging Face Space, or show what would be sent:

    python -m deploy USER/NAME                       # create the Space (cpu-basic), upload the app
    python -m deploy USER/NAME --force               # update a Space that exists (without --force: what would change)
    python -m deploy USER/NAME --hardware zerogpu    # on ZeroGPU: supported torch, Python, sign-in (hf_oauth)
    python -m deploy USER/NAME --dry-run FOLDER      # write the exact tree that would be uploaded; list it

The Space gets only what the app needs (SPACE_FILES): no tests, benchmarks, training scripts, virtual environment
or caches. Its README's front matter and requirements are written for the hardware chosen (space_card,
space_requirements). huggingface_hub uploads the tree (binary files through Xet, as the Hub requires) in place of
whatever the Space held; a Space that exists is changed only with --force (without it the command lists what would
be deleted, replaced and switched, and changes nothing). Hidden files and symbolic links are never sent. Log in
first with `hf auth login` or set HF_TOKEN.
"""
from __future__ import annotations

import argparse
import importlib.metadata
import re
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

from huggingface_hub import HfApi, SpaceCard, SpaceHardware
from huggingface_hub.errors import HfHubHTTPError, RepositoryNotFoundError
from huggingface_hub.utils import filter_repo_objects, validate_repo_id
from packaging.requirements import Requirement

ROOT = Path(__file__).resolve().parent
# what the Space runs (`*` matches across folders), and the pictures its README shows (readme_pictures)
SPACE_FILES = ["app.py", "requirements.txt", "README.md", "genmodels/*.py", "ui/*.py", "ui/static/*",
               "weights/*.safetensors", "examples/*"]
NEVER = ["*/__pycache__/*", "*.pyc", "*/.DS_Store"]
ZERO_GPU = SpaceHardware.ZERO_A10G.value          # the Hub's name for ZeroGPU hardware ("zero-a10g")
HARDWARE_ALIASES = {"zerogpu": ZERO_GPU, "cpu": SpaceHardware.CPU_BASIC.value}
# ZeroGPU supports torch 2.8.0, 2.9.1, 2.10.0, 2.11.0 and Python 3.10.13 or 3.12.12 (hub-docs,
# docs/hub/spaces-zerogpu.md, Aug 2026): the newest of each, and the torchvision built for that torch
ZERO_GPU_PINS = {"torch": "2.11.0", "torchvision": "0.26.0"}
ZERO_GPU_PYTHON = "3.12.12"
# the values suggested_hardware may take (hub-docs, docs/hub/spaces-config-reference.md): ZeroGPU is not one of them
SUGGESTABLE = {"cpu-basic", "cpu-upgrade", "t4-small", "t4-medium", "l4x1", "l4x4", "l40sx1", "l40sx4", "l40sx8",
               "a10g-small", "a10g-large", "a10g-largex2", "a10g-largex4", "a100-large", "a100x4", "a100x8"}


def space_id(name: str) -> str:
    """USER/NAME checked as the Hub checks it, or the message why not."""
    validate_repo_id(name)
    if name.count("/") != 1:
        raise ValueError(f"A Space is named USER/NAME (or ORG/NAME), not {name!r}.")
    return name


def hardware_name(name: str) -> str:
    """A Space hardware name as the Hub spells it ('zerogpu' → 'zero-a10g'), or the message why not."""
    name = HARDWARE_ALIASES.get(name.strip().lower(), name.strip().lower())
    known = [h.value for h in SpaceHardware]
    if name not in known:
        raise ValueError(f"Unknown Space hardware {name!r}: use zerogpu, or one of {', '.join(known)}.")
    return name


def gradio_version() -> str:
    """The Gradio this checkout runs (and is tested with): the Space's sdk_version."""
    return importlib.metadata.version("gradio")


def readme_pictures(root: Path = ROOT) -> list[str]:
    """The checkout's pictures the README shows (![...](docs/...png)): the Space's page shows them too."""
    found = re.findall(r"!\[[^\]]*\]\(([^)\s]+)\)", (root / "README.md").read_text(encoding="utf-8"))
    return [path for path in found if (root / path).is_file()]


def plain(path: Path, root: Path) -> bool:
    """A regular file of the checkout's own: not hidden (no part of its path starts with a dot) and reached through
    no symbolic link (one could point anywhere on the machine: a key, a home folder)."""
    rel = path.relative_to(root)
    if any(part.startswith(".") for part in rel.parts):
        return False
    return not any((root / Path(*rel.parts[:i])).is_symlink() for i in range(1, len(rel.parts) + 1))


def space_files(root: Path = ROOT) -> list[str]:
    """The checkout's files the Space needs, as paths relative to root, sorted: no hidden files, no links."""
    patterns = SPACE_FILES + readme_pictures(root)
    tops = [root / top for top in sorted({pattern.split("/")[0] for pattern in patterns})]   # never walks .venv/
    paths = [p for top in tops for p in ([top] if top.is_file() else top.rglob("*"))
             if p.is_file() and plain(p, root)]
    return sorted(set(filter_repo_objects([p.relative_to(root).as_posix() for p in paths], allow_patterns=patterns,
                                          ignore_patterns=NEVER)))


def space_card(readme: str, hardware: str) -> str:
    """The README with its front matter set for a Space on `hardware` (spaces-config-reference)."""
    card = SpaceCard(readme)
    data = card.data
    data.sdk, data.sdk_version, data.app_file = "gradio", gradio_version(), "app.py"
    zero = hardware == ZERO_GPU
    if zero:
        data.python_version = ZERO_GPU_PYTHON
    # an OAuth app for the style tab's Sign-in button (a ZeroGPU visitor signed in spends their own quota)
    data.hf_oauth = True if zero else None
    data.suggested_hardware = hardware if hardware in SUGGESTABLE else None
    return str(card)


def space_requirements(text: str, hardware: str) -> str:
    """requirements.txt for a Space on `hardware`: Gradio pinned to sdk_version (with its sign-in extras on
    ZeroGPU), and on ZeroGPU torch and torchvision pinned to a pair ZeroGPU supports. Comments kept."""
    zero = hardware == ZERO_GPU
    pins = {"gradio": gradio_version(), **(ZERO_GPU_PINS if zero else {})}
    lines = [f"# written by `python -m deploy` for a Space on {hardware}: the pins below are what it runs"]
    for line in text.splitlines():
        spec, _, comment = line.partition("#")
        name = Requirement(spec).name if spec.strip() else None
        if name in pins:
            extras = "[oauth]" if name == "gradio" and zero else ""
            line = f"{name}{extras}=={pins[name]}" + (f"      # {comment.strip()}" if comment.strip() else "")
        lines.append(line)
    return "\n".join(lines) + "\n"


def build_tree(folder: Path, hardware: str, root: Path = ROOT) -> list[tuple[str, int]]:
    """Write the Space's tree into `folder` (empty or absent); its files and their sizes in bytes."""
    folder = Path(folder)
    if folder.exists() and any(folder.iterdir()):
        raise ValueError(f"{folder} is not empty: give a new folder for the tree.")
    for rel in space_files(root):
        target = folder / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        if rel == "README.md":
            target.write_text(space_card((root / rel).read_text(encoding="utf-8"), hardware), encoding="utf-8")
        elif rel == "requirements.txt":
            target.write_text(space_requirements((root / rel).read_text(encoding="utf-8"), hardware),
                              encoding="utf-8")
        else:
            shutil.copy2(root / rel, target)
    return [(p.relative_to(folder).as_posix(), p.stat().st_size) for p in sorted(folder.rglob("*")) if p.is_file()]


def commit_message(hardware: str, root: Path = ROOT) -> str:
    try:
        head = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=root, capture_output=True, text=True,
                              check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        head = "a checkout outside git"
    return f"Deploy genmodels ({head}) for {hardware}"


KEPT = {".gitattributes"}       # the Hub's own file in every Space: never deleted


@dataclass
class Changes:
    """What deploying would do to a Space that already exists."""
    deleted: list[str]           # its files that the app does not have
    replaced: list[str]          # its files that the upload overwrites
    added: list[str]
    hardware: tuple[str, str] | None     # (what it runs on, what it would run on) where they differ

    def describe(self, repo_id: str) -> str:
        lines = [f"The Space {repo_id} already exists. Deploying would:"]
        for verb, files in (("delete", self.deleted), ("replace", self.replaced), ("add", self.added)):
            if files:
                shown = ", ".join(files[:12]) + (f" and {len(files) - 12} more" if len(files) > 12 else "")
                lines.append(f"  {verb} {len(files)} file{'s' if len(files) != 1 else ''}: {shown}")
        if self.hardware:
            lines.append(f"  change its hardware from {self.hardware[0]} to {self.hardware[1]} (billed by the hour "
                         "where it is not free)")
        return "\n".join(lines + ["Nothing was changed. Run the command again with --force to go ahead."])


def changes(api: HfApi, repo_id: str, files: list[str], hardware: str) -> Changes | None:
    """What uploading `files` and asking for `hardware` would change on the Space (None: it does not exist)."""
    try:
        existing = set(api.list_repo_files(repo_id, repo_type="space")) - KEPT
    except RepositoryNotFoundError:
        return None
    runtime = api.get_space_runtime(repo_id)
    current = runtime.requested_hardware or runtime.hardware
    return Changes(deleted=sorted(existing - set(files)), replaced=sorted(existing & set(files)),
                   added=sorted(set(files) - existing),
                   hardware=None if hardware in (runtime.hardware, runtime.requested_hardware) else
                   (current or "none", hardware))


def deploy(repo_id: str, hardware: str = "cpu-basic", *, private: bool | None = None, api: HfApi | None = None,
           root: Path = ROOT, force: bool = False) -> str:
    """Create the Space if it does not exist, upload the tree in place of what it held, and switch its hardware
    to `hardware` if it runs on another; the Space's address. A Space that exists is changed only with force=True
    (ValueError listing what would be deleted, replaced, added and switched otherwise)."""
    repo_id, hardware = space_id(repo_id), hardware_name(hardware)
    api = api or HfApi()
    with tempfile.TemporaryDirectory() as tmp:
        files = [rel for rel, _ in build_tree(Path(tmp), hardware, root)]
        found = changes(api, repo_id, files, hardware)
        if found is not None and not force:
            raise ValueError(found.describe(repo_id))
        url = api.create_repo(repo_id, repo_type="space", space_sdk="gradio", space_hardware=hardware,
                              private=private, exist_ok=True)
        # delete_patterns: files a former deploy sent that the app no longer has go (.gitattributes stays)
        api.upload_folder(repo_id=repo_id, repo_type="space", folder_path=tmp, delete_patterns="*",
                          commit_message=commit_message(hardware, root))
    runtime = api.get_space_runtime(repo_id)
    if hardware not in (runtime.hardware, runtime.requested_hardware):
        api.request_space_hardware(repo_id, hardware)
    return str(url)


def describe(files: list[tuple[str, int]]) -> str:
    lines = [f"{size:>12,}  {rel}" for rel, size in files]
    total = sum(size for _, size in files)
    return "\n".join(lines + [f"{total:>12,}  bytes in {len(files)} files ({total / 2 ** 20:.1f} MiB)"])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m deploy", description=__doc__.split("\n\n")[0])
    parser.add_argument("space", help="the Space, as USER/NAME (or ORG/NAME)")
    parser.add_argument("--hardware", default="cpu-basic",
                        help="cpu-basic (default), zerogpu, or another Space hardware name (t4-small, ...)")
    parser.add_argument("--private", action="store_true", help="create the Space private")
    parser.add_argument("--force", action="store_true",
                        help="change a Space that already exists (without it, the command lists what it would "
                             "delete, replace and switch, and changes nothing)")
    parser.add_argument("--dry-run", metavar="FOLDER", type=Path,
                        help="write the tree that would be uploaded into FOLDER, list it, and send nothing")
    args = parser.parse_args(argv)
    try:
        if args.dry_run is None:           # deploy checks the name and the hardware itself
            print(deploy(args.space, args.hardware, private=args.private or None, force=args.force))
            return 0
        space, hardware = space_id(args.space), hardware_name(args.hardware)
        print(f"Would upload to https://huggingface.co/spaces/{space} ({hardware}):")
        print(describe(build_tree(args.dry_run, hardware)))
        return 0
    except ValueError as err:            # huggingface_hub's HFValidationError is one too
        print(f"deploy: {err}", file=sys.stderr)
        return 2
    except HfHubHTTPError as err:
        print(f"deploy: the Hub refused: {err}\n{hub_hint(err)}", file=sys.stderr)
        return 1


def hub_hint(err: HfHubHTTPError) -> str:
    """What to do about a refusal from the Hub, by its HTTP status."""
    status = getattr(err.response, "status_code", None)
    if status == 401:
        return "Log in first: `hf auth login`, or set HF_TOKEN to a token with write access."
    if status in (402, 403):
        return ("Creating a Space that runs on a CPU or a dedicated GPU needs a paid plan (PRO); a free account in "
                "good standing may host up to 2 ZeroGPU Spaces: add --hardware zerogpu.")
    return "Nothing was changed if the Space did not exist; otherwise run the command again."


if __name__ == "__main__":
    sys.exit(main())

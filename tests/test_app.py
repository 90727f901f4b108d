"""The whole app: every tab answers on its named endpoint; start-up stays light."""


def test_every_tab_has_its_named_endpoint(app_client):
    client, _ = app_client
    api = client.view_api(print_info=False, return_format="dict")["named_endpoints"]
    for name in ("/decode", "/encode_drawing", "/denoise", "/superres", "/generate", "/stylize"):
        assert name in api, name
    names = [p["parameter_name"] for p in api["/generate"]["parameters"]]
    assert names == ["dataset", "seed", "count", "truncation", "keep"]


def test_app_start_up_does_not_import_torchvision():
    import subprocess
    import sys

    code = "import sys, app; print('torchvision' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120,
                         cwd=str(__import__('pathlib').Path(__file__).resolve().parent.parent))
    assert out.stdout.strip().splitlines()[-1] == "False", out.stderr[-2000:]


def test_models_and_training_import_nothing_from_the_ui():
    """genmodels/, train/ and export/ are plain PyTorch; a benchmark may time a tab's handler but takes models from
    genmodels."""
    import ast
    from pathlib import Path

    root = Path(__file__).resolve().parent.parent

    def imported(path: Path) -> set[str]:
        names = set()
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Import):
                names |= {a.name.split(".")[0] for a in node.names}
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names.add(node.module.split(".")[0])
        return names

    for folder in ("genmodels", "train", "export"):
        for path in (root / folder).glob("*.py"):
            assert not imported(path) & {"ui", "gradio", "plotly"}, path
    for path in (root / "bench").glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("ui"):
                assert node.module == "ui" and all(a.name.endswith("_tab") for a in node.names), path


def test_shows_errors_turns_library_errors_into_messages_and_keeps_gradio_ones():
    import gradio as gr
    import pytest

    from genmodels.weights import WeightsError
    from ui.common import shows_errors

    def fail(err):
        raise err

    for err, message in ((ValueError("z1 must be a number"), "z1 must be a number"),
                         (WeightsError("Weights file x is missing"), "Weights file x is missing")):
        with pytest.raises(gr.Error) as caught:
            shows_errors(fail)(err)
        assert caught.value.message == message
    hidden = gr.Error("Draw something first.", visible=False)
    with pytest.raises(gr.Error) as caught:
        shows_errors(fail)(hidden)
    assert caught.value is hidden                       # not wrapped again (gr.Error is a ValueError)

    def stream(err):
        yield 1
        raise err
    with pytest.raises(gr.Error, match="bad step"):
        list(shows_errors(stream)(ValueError("bad step")))


def draw_a_stroke(page) -> None:
    """Drag a vertical stroke down the middle of the visible sketchpad, as a visitor would, picking no tool."""
    pad = page.locator(".digit-sketch canvas:visible").last
    pad.wait_for(timeout=30_000)                 # a tab just opened: its canvas may not be shown yet
    box = pad.bounding_box()
    x, y = box["x"] + box["width"] / 2, box["y"] + box["height"] * 0.2
    page.mouse.move(x, y)
    page.mouse.down()
    for i in range(1, 21):
        page.mouse.move(x, y + i * box["height"] * 0.03)
    page.mouse.up()


def test_the_sketchpads_take_a_stroke_before_any_tool_is_picked(page):
    """Gradio's Sketchpad starts with no tool; the page picks the brush, so the first drag draws (latent map and
    denoising tab), and what was drawn reaches the models."""
    page.goto(page.app_url)
    page.get_by_role("tab", name="Latent map").click()
    page.locator(".digit-sketch button[aria-label=Brush]").first.wait_for(timeout=30_000)
    page.wait_for_timeout(500)
    draw_a_stroke(page)
    page.get_by_role("button", name="Encode drawing").click()
    page.get_by_text("your drawing → μ").wait_for(timeout=30_000)
    assert page.locator(".toast-body").count() == 0

    page.get_by_role("tab", name="Denoising").click()
    page.get_by_role("tab", name="Draw").click()
    page.wait_for_timeout(500)
    draw_a_stroke(page)
    page.get_by_role("button", name="Use drawing").click()
    page.get_by_text("over the median filter on your image").wait_for(timeout=30_000)
    assert page.locator(".toast-body").count() == 0


def type_into(page, label: str, text: str, then: str = "Enter") -> None:
    """Type as a person does: slowly enough that each half-typed value ("1e") reaches the page's events."""
    box = page.get_by_label(label, exact=True)
    box.click()
    box.press("Control+a")
    box.press_sequentially(text, delay=250)
    box.press(then)


def test_a_number_outside_its_box_range_is_put_right_in_the_box_with_a_note(page):
    """The page fixes a bad number where it is typed (static/page.js), so it never sticks and fails later events."""
    page.goto(page.app_url)
    page.get_by_role("tab", name="Denoising").click()
    seed = page.get_by_label("Noise seed", exact=True)
    seed.wait_for(timeout=30_000)
    type_into(page, "Noise seed", "1e30")
    page.get_by_text("Noise seed: the most is 2147483647, set to 2147483647.").wait_for(timeout=10_000)
    assert seed.input_value() == "2147483647"
    page.get_by_role("button", name="New noise").click()          # a later action: no error from the old value
    page.wait_for_timeout(2000)
    assert page.locator(".toast-body").all_inner_texts() == []

    page.get_by_role("tab", name="GAN").click()
    type_into(page, "Seed", "1.5")
    page.get_by_text("Seed: 1.5 is not a whole number, set to 2.").wait_for(timeout=10_000)
    type_into(page, "number input for How many", "10000", then="Tab")
    page.get_by_text("How many: the most is 64, set to 64.").wait_for(timeout=10_000)
    assert page.get_by_label("number input for How many", exact=True).input_value() == "64"
    type_into(page, "number input for How many", "-3")
    page.get_by_text("How many: -3 is less than 1, set to 1.").wait_for(timeout=10_000)
    page.wait_for_timeout(2000)
    assert page.locator(".toast-body").all_inner_texts() == []


def test_a_refused_input_logs_one_line_and_no_traceback(app_client, capfd):
    """The server's log stays readable: a refused input is one line (its message), not Gradio's traceback."""
    import logging

    import pytest
    from gradio_client.exceptions import AppError

    client, _ = app_client
    lines: list[str] = []
    handler = logging.Handler()
    handler.emit = lambda record: lines.append(record.getMessage())
    logging.getLogger("genmodels.app").addHandler(handler)
    try:
        capfd.readouterr()
        with pytest.raises(AppError, match="greater than maximum value 499"):      # Gradio's own range check
            client.predict("mnist", 700, None, "gaussian", 0.5, 0, "mnist", api_name="/denoise")
        with pytest.raises(AppError, match="Draw something"):                      # a handler's own message
            client.predict("mnist", {"background": None, "layers": [], "composite": None},
                           api_name="/encode_drawing")
        err = capfd.readouterr().err
    finally:
        logging.getLogger("genmodels.app").removeHandler(handler)
    assert any("Value 700 is greater than maximum value 499." in line for line in lines), lines
    assert "refused (/encode_drawing): Draw something on the sketchpad first." in lines, lines
    assert "Traceback" not in err, err[-2000:]


def test_a_refused_upload_empties_the_box_and_the_test_images_come_back(page, tmp_path):
    """A text file renamed .jpg as "Your picture": one message, the box emptied, later actions work (it used to stay
    in the box, every action brought the message back and the images stayed on test image #0). The server logs it
    once, though three events (the upload, /denoise, /superres) read it."""
    import logging

    lines: list[str] = []
    handler = logging.Handler()
    handler.emit = lambda record: lines.append(record.getMessage())
    logging.getLogger("genmodels.app").addHandler(handler)
    page.on("close", lambda _: logging.getLogger("genmodels.app").removeHandler(handler))
    junk = tmp_path / "notes.jpg"
    junk.write_text("a text file renamed .jpg")
    page.goto(page.app_url)
    page.get_by_role("tab", name="Denoising").click()
    page.get_by_text("over the median filter on test image #0").first.wait_for(timeout=30_000)
    page.get_by_role("tab", name="Your image").click()
    page.locator("#denoise-upload input[type=file]").set_input_files(str(junk))
    page.get_by_text("Your picture: could not read the file, it is not a picture").first.wait_for(timeout=10_000)
    page.wait_for_timeout(1500)
    assert page.locator("#denoise-upload img").count() == 0
    page.get_by_role("tab", name="Test images").click()
    page.get_by_role("button", name="Random test image").click()
    page.wait_for_function("() => !document.body.innerText.includes('median filter on test image #0.')",
                           timeout=10_000)
    assert "over the median filter on test image #" in page.locator("body").inner_text()
    assert len(page.locator(".toast-body").all_inner_texts()) <= 1           # the first message only, no repeats
    assert len([line for line in lines if line.startswith("refused (input Your picture")]) == 1, lines


def test_a_negative_number_typed_in_a_box_is_put_right_with_no_gradio_error(page, app_client, capfd):
    page.goto(page.app_url)
    page.get_by_role("tab", name="Denoising").click()
    level = page.get_by_label("number input for Noise level", exact=True)
    level.wait_for(timeout=30_000)
    capfd.readouterr()
    type_into(page, "number input for Noise level", "-3")
    page.get_by_text("Noise level: -3 is less than 0, set to 0.").wait_for(timeout=10_000)
    assert level.input_value() == "0"
    page.get_by_role("tab", name="GAN").click()
    type_into(page, "Seed", "-5")
    page.get_by_text("Seed: -5 is less than 0, set to 0.").wait_for(timeout=10_000)
    page.wait_for_timeout(2000)
    assert page.locator(".toast-body").all_inner_texts() == []             # no "Value -3 is less than minimum"
    err = capfd.readouterr().err
    assert "Traceback" not in err and "less than minimum" not in err, err[-2000:]

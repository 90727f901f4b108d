"""The whole app: every tab answers on its named endpoint; start-up stays light."""


def test_every_tab_has_its_named_endpoint(app_client):
    client, _ = app_client
    api = client.view_api(print_info=False, return_format="dict")["named_endpoints"]
    for name in ("/decode", "/encode_drawing", "/denoise", "/superres", "/generate", "/stylize"):
        assert name in api, name
    assert [p["parameter_name"] for p in api["/generate"]["parameters"]] == ["dataset", "seed", "count", "truncation", "keep"]


def test_app_start_up_does_not_import_torchvision():
    import subprocess
    import sys

    code = "import sys, app; print('torchvision' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120,
                         cwd=str(__import__('pathlib').Path(__file__).resolve().parent.parent))
    assert out.stdout.strip().splitlines()[-1] == "False", out.stderr[-2000:]

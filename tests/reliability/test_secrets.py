"""No credentials, real account ids or local paths in the repository's tracked files or the notebooks' outputs.

Notebooks are read cell by cell (sources and text outputs; image data is
skipped), every other tracked text file whole. Account ids allowed: moto's
123456789012, the placeholders AWS's documentation uses, and numbers made of
one repeated digit (plainly fake), the octal-looking 012345670123 the runbook tests parse, and the
account AWS publishes as API Gateway's own for private integrations in eu-west-1.
"""
from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
ALLOWED_ACCOUNTS = {"123456789012", "111122223333", "444455556666", "777788889999",
                    "012345670123",  # digits 0-7 after a 0: the id YAML 1.1 would read as octal (runbook tests)
                    # AWS's own, published: API Gateway's account for private integrations in eu-west-1 (notebook 04)
                    # https://docs.aws.amazon.com/apigateway/latest/developerguide/set-up-api-with-vpclink-accounts.html
                    "631144002099"}
FINDINGS = {
    "access key id": re.compile(r"\b(?:AKIA|ASIA)[A-Z0-9]{16}\b"),
    "secret access key": re.compile(r"(?i)(?:secret_?access_?key|aws_secret)\W{1,4}([A-Za-z0-9/+]{40})\b"),
    "account id": re.compile(r"(?<![\w-])(\d{12})(?!\w)"),
    "local path": re.compile(r"(?<![\w.~])/(?:root|work|home/[A-Za-z0-9_.-]+)(?=/|\b)"),
}


def scan(text: str) -> list[str]:
    found = []
    for what, pattern in FINDINGS.items():
        for match in pattern.finditer(text):
            value = match.group(match.lastindex or 0)
            if what == "account id" and (value in ALLOWED_ACCOUNTS or len(set(value)) == 1):
                continue
            found.append(f"{what}: {match.group(0)!r}")
    return found


def notebook_text(path: Path) -> str:
    """Sources and text outputs of a notebook (base64 images left out)."""
    parts = []
    for cell in json.loads(path.read_text())["cells"]:
        parts.append("".join(cell.get("source", "")))
        for output in cell.get("outputs", []):
            parts.append("".join(output.get("text", "")) + "".join(output.get("traceback", [])))
            for mime, data in output.get("data", {}).items():
                if mime.startswith("text/") or mime.endswith("json"):
                    parts.append(data if isinstance(data, str) else json.dumps(data))
    return "\n".join(parts)


def tracked_files() -> list[Path]:
    names = subprocess.run(["git", "ls-files", "-z"], cwd=REPO, capture_output=True, check=True).stdout.split(b"\0")
    return [REPO / n.decode() for n in names if n and (REPO / n.decode()).is_file()]


def readable(path: Path) -> str | None:
    if path.suffix == ".ipynb":
        return notebook_text(path)
    try:
        return path.read_text()
    except UnicodeDecodeError:  # PNGs and other binaries
        return None


def test_no_secrets_account_ids_or_local_paths_in_tracked_files():
    problems = {}
    for path in tracked_files():
        if path == Path(__file__).resolve():
            continue
        text = readable(path)
        found = scan(text) if text else []
        if found:
            problems[str(path.relative_to(REPO))] = found
    assert problems == {}


def test_notebooks_are_scanned_with_their_outputs():
    notebooks = sorted((REPO / "notebooks").glob("*.ipynb"))
    assert notebooks, "no notebooks to scan"
    assert all(cell_outputs for cell_outputs in (notebook_text(n) for n in notebooks))


@pytest.mark.parametrize("leak, what", [
    ("aws_access_key_id = AKIA" + "ABCDEFGHIJKLMNOP", "access key id"),
    ("aws_secret_access_key = " + "wJalrXUtnFEMI/K7MDENG/bPxRfiCY" + "EXAMPLEKEY", "secret access key"),
    ("arn:aws:iam::" + "210987654321" + ":role/x", "account id"),
    ("'/home/" + "alice/project/run.ipynb'", "local path"),
    ("cwd: /wo" + "rk/main", "local path"),
    ("open('/ro" + "ot/.aws/credentials')", "local path"),
])
def test_each_kind_of_leak_is_caught(leak, what):
    assert [f for f in scan(leak) if f.startswith(what)], scan(leak)


@pytest.mark.parametrize("clean", ["arn:aws:iam::123456789012:role/x", "eni-0c383e7f398539051",
                                   "account 111122223333", "confirm_account='999999999999'", "/tmp/x", "~/work"])
def test_harmless_text_passes(clean):
    assert scan(clean) == []

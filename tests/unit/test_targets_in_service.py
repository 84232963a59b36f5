"""Every pattern's apply ends with its targets in service, and the lab's web server survives a restart."""
from __future__ import annotations

import socket
import subprocess
import sys
import time
import urllib.request

import pytest

from apigw_kit import connect
from apigw_kit.local import admin
from apigw_kit.local.clock import REALISTIC_DELAYS
from apigw_kit.patterns import MODULES, load
from apigw_kit.steps.network import WEB_SERVER

REGION = "eu-west-1"


@pytest.fixture
def health_checks_last(endpoint):
    """Every provisioning delay over at once, while health checks (interval x threshold: 150 s) take 1.5 s."""
    saved = admin(endpoint, "clock")
    admin(endpoint, "clock", {"scale": 0.01, "delays": {kind: 0 for kind in REALISTIC_DELAYS}})
    yield
    admin(endpoint, "clock", saved)


@pytest.mark.parametrize("pattern", MODULES)
def test_apply_ends_with_every_target_in_service(health_checks_last, client, pattern):
    load(pattern)(cloud=connect("local", REGION), lab_name="ts").apply()
    elbv2 = client("elbv2")
    states = {(group["TargetGroupName"], t["Target"]["Id"]): t["TargetHealth"]["State"]
              for group in elbv2.describe_target_groups()["TargetGroups"]
              for t in elbv2.describe_target_health(TargetGroupArn=group["TargetGroupArn"])["TargetHealthDescriptions"]}
    assert states and set(states.values()) == {"healthy"}, states


def _program(script: str) -> str:
    """The Python program the user data writes (between its PY heredoc markers)."""
    return script.split("<<'PY'\n", 1)[1].split("\nPY\n", 1)[0]


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _wait_listening(port: int) -> None:
    for _ in range(100):
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except ConnectionRefusedError:
            time.sleep(0.05)
    pytest.fail(f"the web server never listened on {port}")


def test_the_lab_web_server_is_a_service_answering_200_on_every_path():
    script = WEB_SERVER % 80
    assert "systemctl enable --now apigw-kit-web.service" in script  # user data runs once: a service comes back
    port = _free_port()
    server = subprocess.Popen([sys.executable, "-c", _program(script), str(port)], stderr=subprocess.DEVNULL)
    try:
        _wait_listening(port)
        for path in ("/", "/orders", "/alb/orders", "/nlb/anything"):
            with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=5) as answer:
                assert answer.status == 200 and b"hello" in answer.read(), path
    finally:
        server.terminate()
        server.wait()

"""Shared fixtures: one embedded AWS per test session (per xdist worker), wiped before each test."""
from __future__ import annotations

import os
import tempfile

import boto3
import pytest

from apigw_kit.local import EmbeddedAWS, reset
from figures import FIGURES_KEY, add_figures, print_figures

REGION = "eu-west-1"

# Tests must never reach a real account: fake credentials, no profile.
os.environ.update(AWS_ACCESS_KEY_ID="testing", AWS_SECRET_ACCESS_KEY="testing", AWS_DEFAULT_REGION=REGION)
os.environ.pop("AWS_PROFILE", None)
# Notebooks run by nbval draw their diagrams here, not over the committed ones in diagrams/.
os.environ["APIGW_KIT_DIAGRAM_DIR"] = tempfile.mkdtemp(prefix="apigw-kit-diagrams-")


@pytest.hookimpl(optionalhook=True)
def pytest_testnodedown(node, error) -> None:
    """An xdist worker has finished: add its figures to the run's (tests/figures.py)."""
    add_figures(node.config, getattr(node, "workeroutput", {}).get(FIGURES_KEY, {}))


def pytest_terminal_summary(terminalreporter) -> None:
    print_figures(terminalreporter)


@pytest.fixture(scope="session")
def embedded_server():
    server = EmbeddedAWS().start()
    yield server
    server.stop()


@pytest.fixture
def endpoint(embedded_server, monkeypatch):
    """URL of a freshly reset embedded AWS, also exported as AWS_ENDPOINT_URL."""
    reset(embedded_server.url)
    monkeypatch.setenv("AWS_ENDPOINT_URL", embedded_server.url)
    return embedded_server.url


@pytest.fixture
def client(endpoint):
    """client('ec2') -> a plain boto3 client on the embedded AWS."""
    def make(service: str, region: str = REGION):
        return boto3.client(service, region_name=region, endpoint_url=endpoint)
    return make

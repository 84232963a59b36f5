"""`apigw-kit local serve`: a standalone embedded AWS that prints its endpoint and stops on Ctrl-C."""
from __future__ import annotations

import os
import signal
import subprocess
import sys

import boto3


def test_local_serve_shares_state_and_stops_cleanly(tmp_path):
    env = {k: v for k, v in os.environ.items() if k != "AWS_ENDPOINT_URL"}
    server = subprocess.Popen([sys.executable, "-m", "apigw_kit.cli", "local", "serve", "--port", "0"],
                              stdout=subprocess.PIPE, text=True, env=env)
    try:
        first = server.stdout.readline()
        assert first.startswith("embedded AWS listening on http://127.0.0.1:"), first
        url = first.split()[-1]
        assert server.stdout.readline().strip() == f"export AWS_ENDPOINT_URL={url}"
        kwargs = dict(endpoint_url=url, region_name="eu-west-1", aws_access_key_id="t", aws_secret_access_key="t")
        vpc = boto3.client("ec2", **kwargs).create_vpc(CidrBlock="10.3.0.0/16")["Vpc"]["VpcId"]
        # A second client (another notebook, another process) sees the same account.
        assert boto3.client("ec2", **kwargs).describe_vpcs(VpcIds=[vpc])["Vpcs"]
    finally:
        server.send_signal(signal.SIGINT)
        out, _ = server.communicate(timeout=30)
    assert server.returncode == 0 and out.strip().endswith("stopped")

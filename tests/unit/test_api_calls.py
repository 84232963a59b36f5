"""Each step shows the AWS calls it made, in order, with their parameters: compact, collapsible, no secrets."""
from __future__ import annotations

import re

import pandas as pd
from apigw_kit import api_calls, connect
from apigw_kit.cloud import CallCounter
from apigw_kit.patterns.http_alb import Run

REGION = "eu-west-1"


def test_parameters_are_compacted_and_secrets_masked():
    shown = api_calls.compact({
        "LoadBalancerArn": "arn:aws:elasticloadbalancing:eu-west-1:123456789012:loadbalancer/app/lab-alb/50dc6c495c0c9188",
        "Policy": "x" * 500, "PrivateKey": "-----BEGIN PRIVATE KEY-----abc", "Code": {"ZipFile": b"\0" * 2048},
        "SubnetIds": [f"subnet-{n:017x}" for n in range(9)], "ClientToken": "3ecb007143f8f4c88ed6f1573de8194f"})
    assert "loadbalancer/app/lab-alb/50dc6c495c0c9188'" in shown  # ids and ARNs in full
    assert "[500 chars]" in shown and "x" * 100 not in shown
    assert "PrivateKey='***'" in shown and "BEGIN" not in shown
    assert "'ZipFile': <2048 bytes>" in shown
    assert "subnet-00000000000000005'" in shown and "... 3 more" in shown
    assert "ClientToken=<idempotency token>" in shown  # differs from run to run: named, not shown


def test_the_log_is_ordered_and_bounded():
    counter = CallCounter()
    mark = counter.mark()
    for n in range(api_calls.LOG_LIMIT + 5):
        counter.record("ec2", "CreateTags", {"Resources": [f"vpc-{n:017x}"]})
        counter.record("ec2", "DescribeVpcs", {})
    made = counter.made_since(mark)
    assert len(made.changes) == api_calls.LOG_LIMIT and made.lost == 5
    assert made.changes[0].params == f"Resources=['vpc-{5:017x}']"
    assert made.reads == ["ec2.DescribeVpcs"]
    assert made.text().splitlines()[1].startswith("  6. ec2.CreateTags(")


def test_a_step_shows_its_calls_in_order(endpoint):
    run = Run(cloud=connect("local", REGION), lab_name="calls")
    network = run.network()
    text, html = repr(network), network._repr_html_()
    calls = re.findall(r"^  \d+\. (\S+?)\(", text, re.M)
    assert calls[:2] == ["ec2.CreateVpc", "ec2.ModifyVpcAttribute"] and calls.count("ec2.CreateSubnet") == 2
    assert "ec2.CreateVpc(CidrBlock='10.20.0.0/16'" in text
    assert '<details class="apigw-kit-calls">' in html and "<li><code>ec2.CreateVpc(CidrBlock=&#x27;10.20.0.0/16&#x27;" in html
    run.security_groups()
    run.load_balancer()
    link = next(line for line in repr(run.vpc_link()).splitlines() if "CreateVpcLink" in line)
    assert link.startswith("  1. apigatewayv2.CreateVpcLink(Name='calls-vpc-link', SubnetIds=[")
    assert all(f"'{s}'" in link for s in network["subnet"]) and f"SecurityGroupIds=['{run.link_sg.id}']" in link
    api = run.http_api()
    assert run.listener.arn.split(":", 5)[5] in api._repr_html_()  # the listener's full resource part, uncut
    assert "none changing the account" in repr(run.network())  # a second run changes nothing, and says so
    assert type(network[["subnet"]]) is pd.DataFrame  # what code derives from a step's table is an ordinary one

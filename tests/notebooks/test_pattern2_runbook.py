"""Pattern 2 runs headless through papermill with non-default parameters."""
from __future__ import annotations

from apigw_kit import runbook

REGION = "us-east-1"  # not the notebook's default, on purpose


def test_https_domain_runbook_with_other_domain_region_and_default_endpoint_on(endpoint, tmp_path, client):
    result = runbook.run("https-domain", {"lab_name": "rb-domain", "region": REGION, "vpc_cidr": "10.78.0.0/16",
                                          "domain_name": "api.shop.example", "disable_execute_api_endpoint": "false"},
                         tmp_path)

    assert (result["lab"], result["region"], result["pattern"]) == ("rb-domain", REGION, "https-domain")
    checks = {c["check"]: c["passed"] for c in result["checks"]}
    assert all(checks.values()) and len(checks) == 15, result["checks"]
    assert "only the custom domain serves the API" not in checks  # the parameter turned it off
    assert result["teardown"] == {"done": True, "left": 0}
    assert {"acm:certificate", "route53:hosted-zone", "route53:record", "apigatewayv2:domain-name"} <= set(result["resources"])
    assert client("route53", REGION).list_hosted_zones()["HostedZones"] == []

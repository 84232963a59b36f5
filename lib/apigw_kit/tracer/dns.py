"""DNS: how the URL's host name resolves (AWS-generated names, Route 53 zones, custom domain names)."""
from __future__ import annotations

from botocore.exceptions import ClientError

from .apigw import EXECUTE_API, VPCE_HOST
from .model import _Hops

KC_WRONG_CERTIFICATE = "https://repost.aws/knowledge-center/api-gateway-domain-certificate"


class DnsLayer(_Hops):
    # Entry -------------------------------------------------------------------------
    def entry(self, host: str, host_header: str) -> None:
        match = EXECUTE_API.match(host)
        if match:
            self.add("dns", "execute-api name", host, "ok", "AWS-generated invoke name")
            return self.api_by_id(match["api"], host_header, via_endpoint=None)
        vpce = VPCE_HOST.match(host)
        if vpce:
            return self.vpc_endpoint_entry(vpce["id"], host, host_header)
        target = self.resolve(host)
        if target is not None:
            lb = next((lb for lb in self.load_balancers() if lb["DNSName"].lower() == target), None)
            if lb is not None:
                return self.load_balancer_entry(lb, host_header)
            for endpoint in self.execute_api_endpoints():
                if any(e["DnsName"].lower() == target for e in endpoint.get("DnsEntries", [])):
                    return self.vpc_endpoint_entry(endpoint["VpcEndpointId"], host, host_header)
        return self.custom_domain(host, target)

    def resolve(self, host: str) -> str | None:
        """The DNS name ``host`` points to in this account's Route 53, checking the zone is visible."""
        if any(lb["DNSName"].lower() == host for lb in self.load_balancers()):
            self.add("dns", "load balancer name", host, "ok", "AWS-generated load balancer name")
            return host
        r53 = self.cloud.client("route53")
        zones = [z for page in r53.get_paginator("list_hosted_zones").paginate() for z in page["HostedZones"]
                 if host == z["Name"].rstrip(".") or host.endswith("." + z["Name"].rstrip("."))]
        for zone in sorted(zones, key=lambda z: -len(z["Name"])):
            records = r53.list_resource_record_sets(HostedZoneId=zone["Id"], StartRecordName=host, MaxItems="10")
            record = next((r for r in records["ResourceRecordSets"] if r["Name"].rstrip(".").lower() == host
                           and r["Type"] in ("A", "AAAA", "CNAME")), None)
            if record is None:
                continue
            target = (record.get("AliasTarget", {}).get("DNSName") or
                      (record.get("ResourceRecords") or [{}])[0].get("Value", "")).rstrip(".").lower()
            target = target.removeprefix("dualstack.")
            self.zone_visible(zone, record, host, target)
            return target
        return None

    def zone_visible(self, zone: dict, record: dict, host: str, target: str) -> None:
        zone_id = zone["Id"].split("/")[-1]
        what = f"{record['Type']}{' alias' if 'AliasTarget' in record else ''} {host} -> {target}"
        if not zone["Config"].get("PrivateZone"):
            return self.add("dns", "Route 53 public zone", zone_id, "ok", what)
        vpcs = [v["VPCId"] for v in self.cloud.client("route53").get_hosted_zone(Id=zone["Id"]).get("VPCs", [])]
        if self.source.kind == "vpc" and self.source.vpc_id in vpcs:
            return self.add("dns", "Route 53 private zone", zone_id, "ok", f"{what}; zone associated with {self.source.vpc_id}")
        if self.source.kind == "network":
            return self.add("dns", "Route 53 private zone", zone_id, "warn", f"{what}; a client network resolves a "
                            f"private zone only through a Route 53 Resolver inbound endpoint in {', '.join(vpcs)} (not checked)")
        self.fail("dns", "Route 53 private zone", zone_id, f"{what}, but the zone is private to {', '.join(vpcs) or 'no VPC'} "
                  f"and {self.source.label} cannot resolve it (NXDOMAIN)", None)

    def custom_domain(self, host: str, target: str | None) -> None:
        """A name that is no load balancer or endpoint: an API Gateway custom domain, judged by where its record points.

        A regional custom domain is served at its own API Gateway domain name (``d-<id>.execute-api...``,
        ApiGatewayDomainName / regionalDomainName; CloudFront's name for an edge-optimized one), and the record must
        point there (https://docs.aws.amazon.com/apigateway/latest/developerguide/apigateway-regional-api-custom-domain-create.html).
        """
        api = EXECUTE_API.match(target or "")
        if api:  # KC: the endpoint presents *.execute-api's certificate, not the domain's
            self.fail("dns", "Route 53 record", host, f"points {host} at {target}, the default execute-api name of API "
                      f"{api['api']}, not at a custom domain's API Gateway domain name: that endpoint presents the "
                      f"*.execute-api.{api['region']}.amazonaws.com certificate, which does not cover {host}, so the "
                      f"client's TLS verification fails ({KC_WRONG_CERTIFICATE})", None)
        served_at = self.domain_targets(host)
        if not served_at:
            if target is None:
                self.fail("dns", "name", host, "no Route 53 record, load balancer, endpoint or API Gateway custom domain "
                          "of this account has this name: it does not resolve", None)
            self.fail("dns", "Route 53 record", host, f"points at {target}, which is no load balancer, VPC endpoint or "
                      f"API Gateway custom domain of {self.cloud.region}: the tracer cannot follow it", None)
        if target is None:
            self.add("dns", "custom domain name", host, "warn", "no Route 53 record in this account; assuming the "
                     f"external DNS points at the domain's API Gateway name ({', '.join(served_at)})")
        elif target not in served_at:
            # Other API Gateway names may share the domain's front end; the guide asks for the domain's own: emulated strictly.
            self.fail("dns", "Route 53 record", host, f"points at {target}, but the custom domain {host} is served at "
                      f"{', '.join(served_at)}: requests never reach the domain's certificate and API mappings "
                      f"({KC_WRONG_CERTIFICATE})", None)
        else:
            self.add("dns", "custom domain name", host, "ok", f"the record points at the domain's API Gateway name {target}")
        self.domain_mapping(host)

    def domain_targets(self, host: str) -> list[str]:
        """The API Gateway names custom domain ``host`` is served at (HTTP API or REST API domain); [] if none."""
        try:
            configs = self.v2.get_domain_name(DomainName=host).get("DomainNameConfigurations", [])
            return [c["ApiGatewayDomainName"].lower() for c in configs if c.get("ApiGatewayDomainName")]
        except ClientError:
            pass
        try:
            domain = self.v1.get_domain_name(domainName=host)
        except ClientError:
            return []
        return [domain[k].lower() for k in ("regionalDomainName", "distributionDomainName") if domain.get(k)]

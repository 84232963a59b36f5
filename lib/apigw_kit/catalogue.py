"""Misconfigurations users actually hit, as data: symptom, cause, fix, how to observe it on AWS, reference.

Each entry names the lab pattern it applies to and three lab actions kept in
``apigw_kit.catalogue_lab``: ``break_lab(lab)`` breaks a healthy lab of that
pattern in exactly that way, ``request(lab)`` gives the ``trace()`` arguments
of the request that shows the symptom, and ``fix_lab(lab)`` repairs it with
plain boto3. The tests build each broken lab, assert the tracer names the
cause and that the fix repairs it; workshop break-and-fix exercises and the
docs' troubleshooting page read the same list.

Patterns: ``http-alb`` (HTTP API -> VPC link v2 -> internal ALB:80 -> instance),
``http-alb-tls`` (the same through an HTTPS:443 listener with TlsConfig),
``http-alb-domain`` (the TLS one behind a regional custom domain with an alias
record in a public zone), ``rest-private-alb`` (client -> internal ALB:443 ->
execute-api endpoint -> private REST API, custom domain ``api.<lab>.internal``),
``rest-nlb`` (regional REST API -> VPC link v1 -> NLB with security groups ->
instance), ``rest-nlb-alb`` (REST API -> VPC link v1 -> NLB whose IP targets a
scheduled sync function keeps on the ALB's addresses -> internal ALB -> instance).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import pandas as pd

from . import catalogue_lab as lab_actions
from .errors import ParameterError
from .tracer import DOC_ALB_ERRORS, DOC_HTTP_PRIVATE, DOC_TARGET_HEALTH  # one place for the pages the verdicts and entries cite
from .tracer.apigw import KC_MISSING_TOKEN
from .tracer.network import DOC_EPHEMERAL, DOC_NACL_RULES, DOC_PEERING_LIMITS, DOC_PEERING_ROUTES

KC_500_VPC = "https://repost.aws/knowledge-center/api-gateway-500-error-vpc"
KC_5XX = "https://repost.aws/knowledge-center/api-gateway-5xx-error"
KC_403_VPC = "https://repost.aws/knowledge-center/api-gateway-vpc-connections"
KC_ACCESS_DENIED = "https://repost.aws/knowledge-center/api-gateway-access-denied"
DOC_HTTP_VPC_LINKS = "https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-vpc-links.html"
DOC_TLS = "https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-properties-apigatewayv2-integration-tlsconfig.html"
DOC_NLB_SG = "https://docs.aws.amazon.com/elasticloadbalancing/latest/APIReference/API_SetSecurityGroups.html"
DOC_ALB_SCHEME = "https://docs.aws.amazon.com/elasticloadbalancing/latest/application/application-load-balancers.html#load-balancer-scheme"
DOC_TG_HEALTH = "https://docs.aws.amazon.com/elasticloadbalancing/latest/application/target-group-health-checks.html"
DOC_NLB_HEALTH = "https://docs.aws.amazon.com/elasticloadbalancing/latest/network/target-group-health-checks.html"
DOC_ALB_TARGET = "https://docs.aws.amazon.com/elasticloadbalancing/latest/network/application-load-balancer-target.html"
KC_WRONG_CERTIFICATE = "https://repost.aws/knowledge-center/api-gateway-domain-certificate"
KC_403_CUSTOM_DOMAIN = "https://repost.aws/knowledge-center/api-gateway-403-custom-domain"
KC_403 = "https://repost.aws/knowledge-center/api-gateway-troubleshoot-403-forbidden"
DOC_REGIONAL_DOMAIN = "https://docs.aws.amazon.com/apigateway/latest/developerguide/apigateway-regional-api-custom-domain-create.html"
DOC_DISABLE_REST_ENDPOINT = "https://docs.aws.amazon.com/apigateway/latest/developerguide/rest-api-disable-default-endpoint.html"
DOC_PRIVATE_API = "https://docs.aws.amazon.com/apigateway/latest/developerguide/apigateway-private-api-test-invoke-url.html"


@dataclass(frozen=True)
class Misconfiguration:
    id: str
    title: str
    pattern: str
    symptom: str  # what the caller sees
    status: int | None  # predicted HTTP status; None = no response (timeout)
    hop: str  # the hop the trace names as failing (or warning, for ``status`` 2xx)
    cause: str
    fix: str
    reference: str
    observe: str  # where the fault shows on AWS: an access log field, a target health reason, Reachability Analyzer...
    break_lab: Callable  # lab actions (apigw_kit.catalogue_lab): break a healthy lab of ``pattern`` this way
    request: Callable  # the trace() arguments of the request that shows the symptom
    local_only: bool = False  # AWS reaches the state on its own; only the embedded AWS can force it
    fix_lab: Callable | None = None  # repairs a lab broken by break_lab (workshop solutions); None: nothing in the lab to fix


CATALOGUE: list[Misconfiguration] = [
    Misconfiguration(
        "alb-sg-excludes-vpc-link", "The ALB's security group does not admit the VPC link", "http-alb",
        '503 {"message":"Service Unavailable"} on every route to the ALB', 503, "ALB ingress",
        "API Gateway connects from the VPC link's ENIs; the ALB's security group has no ingress rule naming the "
        "link's security group (or a CIDR holding its subnets) on the listener port, so the connection is dropped.",
        "Add an ingress rule on the ALB's security group for the listener port whose source is the VPC link's security group.",
        DOC_HTTP_PRIVATE,
        observe=("HTTP API access log: $context.integrationErrorMessage says the connection to the integration failed; "
                 "Reachability Analyzer from a VPC link ENI to the ALB names the security group; VPC Flow Logs on the "
                 "ALB's ENIs show REJECT on the listener port."),
        break_lab=lab_actions.break_alb_sg, request=lab_actions.api_request, fix_lab=lab_actions.admit_vpc_link),
    Misconfiguration(
        "integration-uri-not-a-listener", "The integration URI is not a live listener's ARN", "http-alb",
        '500 {"message":"Internal Server Error"}', 500, "listener",
        "A private integration of an HTTP API targets one listener by ARN. A load balancer's ARN is refused when the "
        "integration is saved (the tracer still flags it in older configurations); a listener deleted and recreated "
        "(new ARN) leaves the integration pointing at nothing.",
        "Set IntegrationUri to the ARN of the listener that exists now (arn:...:listener/app/<name>/<id>/<listener-id>).",
        DOC_HTTP_PRIVATE,
        observe=("HTTP API access log: $context.integrationErrorMessage on every request; describe-listeners with the "
                 "integration's URI answers ListenerNotFound."),
        break_lab=lab_actions.break_integration_uri, request=lab_actions.api_request,
        fix_lab=lab_actions.point_integration_at_listener),
    Misconfiguration(
        "vpc-link-subnets-elsewhere", "The VPC link's subnets do not reach the ALB", "http-alb",
        '503 {"message":"Service Unavailable"}', 503, "vpc link -> load balancer",
        "The VPC link's ENIs are created in its subnets; those are in another VPC than the load balancer, with no path to it.",
        "Create the VPC link in subnets of the load balancer's VPC (ideally the same AZs) and point the integration at it.",
        DOC_HTTP_VPC_LINKS,
        observe=("HTTP API access log: $context.integrationErrorMessage (connection failure); get-vpc-link shows subnets "
                 "in a VPC the load balancer is not in; Reachability Analyzer from a VPC link ENI to the ALB finds no "
                 "path."),
        break_lab=lab_actions.break_link_subnets, request=lab_actions.api_request,
        fix_lab=lab_actions.use_link_in_alb_vpc),
    Misconfiguration(
        "no-healthy-targets", "The only target is a stopped instance", "http-alb",
        "503 Service Unavailable from the ALB, passed through by API Gateway", 503, "targets",
        "The target group's only instance is stopped. DescribeTargetHealth reports it unused (Target.InvalidState), a "
        "state the ALB never routes to: fail-open covers unhealthy targets only. With no routable target the ALB "
        "answers 503 itself and the HTTP API's proxy integration passes that on. (A running instance whose web server "
        "is down is unhealthy instead: the ALB fails open, sends it the request anyway and answers 502 or 504.)",
        "Start the instance (or register a running one) and wait until describe-target-health reports it healthy; "
        "its reason code says why it is not.",
        DOC_TARGET_HEALTH + " ; " + DOC_ALB_ERRORS,
        observe=("describe-target-health: state unused, reason code Target.InvalidState; ALB access log: elb_status_code "
                 '503, target_status_code "-"; HTTP API access log: $context.integrationStatus 503.'),
        break_lab=lab_actions.break_targets, request=lab_actions.api_request, fix_lab=lab_actions.start_targets),
    Misconfiguration(
        "vpc-link-inactive", "The VPC link is INACTIVE (or FAILED)", "http-alb",
        '503 while the link reprovisions its ENIs (500 if FAILED)', 503, "vpc link",
        "A VPC link with no traffic for 60 days becomes INACTIVE and loses its ENIs; a FAILED link never got them "
        "(no free IPs in a subnet, a deleted security group).",
        "INACTIVE: send traffic and wait for AVAILABLE. FAILED: fix the subnets/security groups and recreate the link.",
        DOC_HTTP_VPC_LINKS,
        observe=("get-vpc-link: VpcLinkStatus INACTIVE (or FAILED with VpcLinkStatusMessage); HTTP API access log: "
                 "$context.integrationErrorMessage while the link reprovisions."),
        break_lab=lab_actions.break_link_inactive, request=lab_actions.api_request, local_only=True,
        fix_lab=lab_actions.reactivate_vpc_link),
    Misconfiguration(
        "tls-name-not-on-certificate", "TLS server name not covered by the listener's certificate", "http-alb-tls",
        '500 {"message":"Internal Server Error"}', 500, "tls",
        "TlsConfig.ServerNameToVerify is checked against the names of the HTTPS listener's certificate; none covers it "
        "(a wildcard covers exactly one label), so the handshake is rejected.",
        "Set ServerNameToVerify to a name on the certificate, or add that name to the certificate.",
        DOC_TLS + " ; " + KC_500_VPC,
        observe=("HTTP API access log: $context.integrationErrorMessage reports the failed TLS connection; from the VPC, "
                 "openssl s_client -connect <alb>:443 -servername <name> shows the names the certificate covers."),
        break_lab=lab_actions.break_tls_name, request=lab_actions.api_request,
        fix_lab=lab_actions.verify_name_on_certificate),
    Misconfiguration(
        "internet-facing-alb-bypass", "An internet-facing ALB behind the VPC link lets clients bypass the API", "http-alb",
        "200, but the same backend also answers on the ALB's public name", 200, "bypass",
        "The load balancer behind the private integration is internet-facing: anyone can call it directly, skipping "
        "the API's authorizers, throttling and logging.",
        "Use an internal load balancer for private integrations and keep its security group limited to the VPC link.",
        DOC_ALB_SCHEME,
        observe=("describe-load-balancers: Scheme internet-facing; the ALB access log shows client addresses outside the "
                 "VPC link's subnets (requests that skipped the API); Reachability Analyzer from an internet gateway to "
                 "the ALB finds a path."),
        break_lab=lab_actions.break_internet_facing, request=lab_actions.api_request,
        fix_lab=lab_actions.use_internal_alb),
    Misconfiguration(
        "internal-alb-from-internet", "An internal ALB called from the internet", "http-alb",
        "the connection times out", None, "source -> load balancer",
        "An internal load balancer has private addresses only; its name resolves from anywhere, but a client on the "
        "internet has no route to those addresses.",
        "Call the API's endpoint instead, or reach the VPC over VPN/peering; do not publish internal names for internet clients.",
        DOC_ALB_SCHEME,
        observe=("dig answers private (RFC 1918) addresses for the public name; Reachability Analyzer from the internet "
                 "gateway finds no path; the ALB access log shows nothing from the client."),
        break_lab=lab_actions.break_public_dns_to_internal, request=lab_actions.internal_alb_request),
    Misconfiguration(
        "alb-host-not-custom-domain", "Through an ALB to a private API without a custom-domain Host", "rest-private-alb",
        '403 {"message":"Forbidden"}', 403, "host header",
        "The execute-api endpoint routes on the Host header; the ALB forwards the client's Host, which names no API "
        "and no custom domain mapped to one.",
        "Create a custom domain name for the Host clients use and map it to the private API and stage.",
        KC_403_VPC,
        observe=("ALB access log: elb_status_code 403 with target_status_code 403 (the endpoint answered); the private "
                 "API's access log has no entry, as no API was selected; get-domain-names lacks the Host the ALB forwards."),
        break_lab=lab_actions.break_custom_domain, request=lab_actions.private_alb_request,
        fix_lab=lab_actions.map_custom_domain),
    Misconfiguration(
        "health-matcher-without-403", "Health check matcher without 403 for execute-api targets", "rest-private-alb",
        "clients still get 200, but every target of the ALB is unhealthy and the unhealthy-host alarm fires", 200,
        "health check",
        "The ALB's health checks reach the execute-api endpoint without an API Host header, and the endpoint answers "
        "403; a matcher of 200 marks every target unhealthy (Target.ResponseCodeMismatch). With no healthy target the "
        "ALB fails open and sends requests to all of them; they carry the custom domain's Host, so the API answers as "
        "before. Nothing tells a real endpoint failure from this one any more.",
        "Set the target group's matcher to 200,403 (health checks over HTTPS) and wait until the targets report healthy.",
        DOC_TG_HEALTH + " ; " + DOC_TARGET_HEALTH,
        observe=("describe-target-health: every target unhealthy with reason code Target.ResponseCodeMismatch; the "
                 "UnHealthyHostCount metric equals the target count while requests still succeed."),
        break_lab=lab_actions.break_health_matcher, request=lab_actions.private_alb_request,
        fix_lab=lab_actions.accept_403_health),
    Misconfiguration(
        "private-policy-excludes-endpoint", "The private API's resource policy does not admit the endpoint", "rest-private-alb",
        '403 {"message":"User: anonymous is not authorized to perform: execute-api:Invoke ..."}', 403, "resource policy",
        "The resource policy allows (or stops denying) only other VPC endpoints (aws:SourceVpce) or VPCs; requests "
        "through this endpoint are denied.",
        "Add the endpoint id to the policy's aws:SourceVpce values and redeploy the stage.",
        KC_ACCESS_DENIED,
        observe=("REST API access log: $context.error.responseType ACCESS_DENIED, status 403; get-rest-api shows the "
                 "policy's aws:SourceVpce values; describe-vpc-endpoints gives the endpoint id the requests arrive "
                 "through."),
        break_lab=lab_actions.break_private_policy, request=lab_actions.private_alb_request,
        fix_lab=lab_actions.admit_endpoint_in_policy),
    Misconfiguration(
        "nlb-sg-enforced-on-privatelink", "NLB security-group enforcement blocks the REST VPC link", "rest-nlb",
        '500 {"message":"Internal server error"}', 500, "NLB ingress",
        "A REST API's VPC link reaches the NLB through PrivateLink; with security groups on the NLB and "
        "EnforceSecurityGroupInboundRulesOnPrivateLinkTraffic on (the default) that traffic is filtered and dropped.",
        "Set EnforceSecurityGroupInboundRulesOnPrivateLinkTraffic to off (SetSecurityGroups) for the NLB behind the VPC link.",
        DOC_NLB_SG + " ; " + KC_500_VPC,
        observe=("describe-load-balancers: EnforceSecurityGroupInboundRulesOnPrivateLinkTraffic on; REST API access log: "
                 "$context.integration.error names the failed connection; VPC Flow Logs on the NLB's ENIs show REJECT."),
        break_lab=lab_actions.break_nlb_enforcement, request=lab_actions.rest_nlb_request,
        fix_lab=lab_actions.stop_enforcing_on_privatelink),
    Misconfiguration(
        "target-sg-excludes-nlb", "The targets' security group does not admit the NLB", "rest-nlb",
        '500 {"message":"Internal server error"}', 500, "target ingress",
        "Traffic through the VPC link reaches the targets from the NLB's private addresses (or its security group); "
        "the targets' security group admits neither, so health checks and requests are dropped.",
        "Admit the NLB's security group (or, when it has none, each of its private addresses) on the target port.",
        KC_500_VPC,
        observe=("describe-target-health: targets unhealthy with reason code Target.FailedHealthChecks; VPC Flow Logs on "
                 "the targets' ENIs show REJECT from the NLB's addresses; Reachability Analyzer from an NLB ENI to a "
                 "target names the security group."),
        break_lab=lab_actions.break_target_sg_for_nlb, request=lab_actions.rest_nlb_request,
        fix_lab=lab_actions.admit_nlb_at_targets),
    Misconfiguration(
        "nlb-targets-stale", "The NLB's IP targets are addresses the ALB no longer holds", "rest-nlb-alb",
        '500 {"message":"Internal server error"}; called from inside the VPC, the ALB answers', 500, "targets",
        "An ALB's nodes change address when it scales or is maintained; an IP target group keeps the addresses it was "
        "given. The function that copies the ALB's addresses to the NLB's targets has stopped running (its schedule is "
        "disabled), so every target is an address nothing answers on, and unhealthy. The NLB fails open "
        "and forwards the connections to them anyway; they time out, and API Gateway answers 500.",
        "Enable the sync function's schedule and run it once now; or replace the IP target group by an ALB-type target "
        "group, which follows the ALB's addresses itself.",
        DOC_ALB_TARGET + " ; " + DOC_NLB_HEALTH + " ; " + KC_500_VPC,
        observe=("describe-target-health: every IP target unhealthy (Target.FailedHealthChecks) and none is an address of "
                 "the ALB's ENIs (describe-network-interfaces); the sync rule is DISABLED in EventBridge; REST API access "
                 "log: $context.integration.error names the failed connection."),
        break_lab=lab_actions.break_target_sync, request=lab_actions.rest_nlb_request,
        fix_lab=lab_actions.resume_target_sync),
    Misconfiguration(
        "alb-sg-excludes-nlb", "The ALB's security group does not admit the NLB in front of it", "rest-nlb-alb",
        '500 {"message":"Internal server error"} since a security-group clean-up', 500, "target ingress",
        "The NLB forwards to the ALB's addresses from its own private addresses (it has no security group); the ALB's "
        "security group has no rule for them on the listener port, so health checks and requests are dropped.",
        "Admit each of the NLB's private addresses (/32) on the ALB's listener port; the NLB keeps one fixed address per "
        "Availability Zone, so the rules do not go stale.",
        KC_500_VPC,
        observe=("describe-target-health on the NLB's target group: unhealthy, Target.FailedHealthChecks; VPC Flow Logs on"
                 " the ALB's ENIs show REJECT from the NLB's private addresses on the listener port."),
        break_lab=lab_actions.break_target_sg_for_nlb, request=lab_actions.rest_nlb_request,
        fix_lab=lab_actions.admit_nlb_at_targets),
    Misconfiguration(
        "custom-domain-record-wrong-target", "The custom domain's DNS record points at the API's invoke name",
        "http-alb-domain", "the TLS handshake fails: the server's certificate is for *.execute-api.<region>.amazonaws.com, "
        "not the custom domain (curl: no alternative certificate subject name matches)", None, "dns",
        "A regional custom domain is served at its own API Gateway domain name (d-<id>.execute-api.<region>.amazonaws.com); "
        "the record was pointed at the API's default invoke name instead, whose endpoint presents AWS's execute-api "
        "certificate and knows nothing of the domain's certificate or API mappings.",
        "Make the record an A alias to the domain's ApiGatewayDomainName in its HostedZoneId (get-domain-name), not a "
        "CNAME to the stage's invoke URL.",
        KC_WRONG_CERTIFICATE + " ; " + DOC_REGIONAL_DOMAIN,
        observe=("dig <domain> answers the execute-api invoke name, not d-<id>; openssl s_client -connect <domain>:443 "
                 "-servername <domain> shows subject CN=*.execute-api.<region>.amazonaws.com; the API's access log has "
                 "no entry for these requests."),
        break_lab=lab_actions.break_record_target, request=lab_actions.domain_request,
        fix_lab=lab_actions.alias_domain_record),
    Misconfiguration(
        "api-mapping-missing", "The custom domain has no API mapping for the path", "http-alb-domain",
        '403 {"message":"Missing Authentication Token"} on the custom domain; the invoke URL still answers', 403,
        "custom domain",
        "A custom domain sends a request to an API only through an API mapping whose path matches the request's first "
        "segment (or the empty path); the mapping was deleted (or made for another path), so no API is selected.",
        "Create an API mapping from the domain (empty path, or the path clients use) to the API and stage.",
        KC_403_CUSTOM_DOMAIN,
        observe=("get-api-mappings for the domain lists no mapping for the path; the API's access log has no entry (no "
                 "API was selected, so $context.customDomain.basePathMatched is never logged)."),
        break_lab=lab_actions.break_api_mapping, request=lab_actions.domain_request, fix_lab=lab_actions.map_domain_to_api),
    Misconfiguration(
        "private-dns-captures-http-api", "An execute-api endpoint's private DNS captures a public HTTP API", "http-alb",
        '403 {"message":"Forbidden"} from inside the VPC; the same URL answers from anywhere else', 403, "entry",
        "An interface endpoint for execute-api with private DNS makes every *.execute-api.<region>.amazonaws.com name "
        "resolve to the endpoint inside its VPC; the endpoint forwards only to private APIs, so the public HTTP API, "
        "called by its default name from that VPC, answers 403.",
        "Call the public API through a custom domain name (not captured by the endpoint's private DNS), or turn the "
        "endpoint's private DNS off if no private API is called by its execute-api name from that VPC (those then use "
        "the endpoint-specific name with a Host or x-apigw-api-id header).",
        KC_403_VPC,
        observe=("dig <api-id>.execute-api.<region>.amazonaws.com from an instance of the VPC answers the endpoint's "
                 "private addresses; describe-vpc-endpoints shows PrivateDnsEnabled true; the HTTP API's access log has "
                 "no entry for these requests."),
        break_lab=lab_actions.break_private_dns_capture, request=lab_actions.vpc_api_request,
        fix_lab=lab_actions.private_dns_off),
    Misconfiguration(
        "private-dns-captures-public-rest-api", "An execute-api endpoint's private DNS captures a regional REST API",
        "rest-nlb", '403 {"message":"Forbidden"} from inside the VPC; the same URL answers from anywhere else', 403, "entry",
        "As for HTTP APIs: with private DNS on an execute-api interface endpoint, the regional (or edge-optimized) REST "
        "API's invoke name resolves to the endpoint inside its VPC, and the endpoint forwards only to private APIs.",
        "Call the public API through a custom domain name, or turn the endpoint's private DNS off if no private API is "
        "called by its execute-api name from that VPC.",
        KC_403_VPC,
        observe=("dig <api-id>.execute-api.<region>.amazonaws.com from the VPC answers the endpoint's private addresses; "
                 "the REST API's access log and execution log have no entry for these requests; VPC Flow Logs show the "
                 "traffic going to the endpoint's ENIs."),
        break_lab=lab_actions.break_private_dns_capture, request=lab_actions.vpc_api_request,
        fix_lab=lab_actions.private_dns_off),
    Misconfiguration(
        "rest-stage-missing", "The REST API's stage is gone", "rest-nlb",
        '403 {"message":"Missing Authentication Token"} on every path of the stage', 403, "stage",
        "The invoke URL names a stage (/prod/...) that does not exist: it was deleted, or the API was never deployed to "
        "it. API Gateway finds no deployment to run and refuses the request.",
        "Deploy the API to the stage (create-deployment --stage-name prod) and call the stage the URL names.",
        KC_MISSING_TOKEN + " ; " + KC_403,
        observe=("get-stages lists no stage of that name; nothing is logged, since access and execution logs are "
                 "settings of the missing stage."),
        break_lab=lab_actions.break_rest_stage, request=lab_actions.rest_nlb_request, fix_lab=lab_actions.deploy_rest_stage),
    Misconfiguration(
        "rest-default-endpoint-disabled", "The REST API's default endpoint is disabled", "rest-nlb",
        "403 Forbidden on the execute-api invoke URL", 403, "entry",
        "disableExecuteApiEndpoint is true (and deployed): clients can still connect to the default execute-api "
        "endpoint but every request is refused; only custom domains serve the API.",
        "Call the API through its custom domain, or set disableExecuteApiEndpoint to false and redeploy the stage.",
        DOC_DISABLE_REST_ENDPOINT,
        observe="get-rest-api shows disableExecuteApiEndpoint true; the stage's access log has no entry for these requests.",
        break_lab=lab_actions.break_default_endpoint, request=lab_actions.rest_nlb_request,
        fix_lab=lab_actions.enable_default_endpoint),
    Misconfiguration(
        "tls-config-removed", "The private integration has no TlsConfig in front of an HTTPS listener", "http-alb-tls",
        '500 {"message":"Internal Server Error"} on every route since the integration was recreated', 500, "tls",
        "Without TlsConfig a private integration sends plain HTTP. The listener behind the VPC link is HTTPS:443, so "
        "the ALB fails the TLS negotiation of every connection API Gateway opens (its ClientTLSNegotiationErrorCount "
        "metric rises) and no request reaches a target.",
        "Set TlsConfig.ServerNameToVerify on the integration (UpdateIntegration) to a name the listener's certificate "
        "covers: the custom domain.",
        DOC_HTTP_PRIVATE + " ; " + DOC_TLS + " ; " + KC_500_VPC,
        observe=("The ALB's ClientTLSNegotiationErrorCount metric rises with every request; get-integration shows no "
                 "TlsConfig; HTTP API access log: $context.integrationErrorMessage reports the failed connection."),
        break_lab=lab_actions.break_tls_config, request=lab_actions.api_request,
        fix_lab=lab_actions.verify_name_on_certificate),
    Misconfiguration(
        "nacl-blocks-alb-ingress", "A network ACL entry drops the VPC link at the ALB", "http-alb",
        '503 {"message":"Service Unavailable"} on every route to the ALB', 503, "vpc link -> load balancer",
        "The subnets' network ACL has a deny entry for TCP 80 from the VPC's CIDR numbered below the allow-all "
        "rule; entries are read lowest number first, so the VPC link's SYN is dropped whatever the security groups "
        "say, and the connection times out. VPC Flow Logs on the ALB's ENIs show the packets REJECTed; Reachability "
        "Analyzer names the entry.",
        "Delete the deny entry (DeleteNetworkAclEntry), or put an allow entry for the VPC link's subnets on the listener "
        "port ahead of it.",
        DOC_NACL_RULES + " ; " + KC_500_VPC,
        observe=("VPC Flow Logs on the ALB's ENIs: REJECT for TCP 80 from the VPC link's addresses; Reachability Analyzer "
                 "from a VPC link ENI to the ALB names the network ACL entry; describe-network-acls shows the deny ahead "
                 "of rule 100."),
        break_lab=lab_actions.break_acl_listener_port, request=lab_actions.api_request,
        fix_lab=lab_actions.remove_acl_deny),
    Misconfiguration(
        "nacl-no-ephemeral-return", "A network ACL drops the answers on the ephemeral ports", "http-alb",
        '503 {"message":"Service Unavailable"}', 503, "vpc link -> load balancer",
        "Network ACLs are stateless: the answer to a connection leaves the server's subnet towards the client's "
        "ephemeral port (1024-65535 for Elastic Load Balancing and other AWS clients) and needs its own outbound rule. "
        "An outbound deny on those ports to the VPC drops every answer; the VPC link's connection to the ALB times out. "
        "Flow Logs show the ALB's outbound packets REJECTed.",
        "Allow outbound TCP 1024-65535 to the clients' CIDR (and inbound on the same ports into the clients' subnets) "
        "ahead of any deny entry.",
        DOC_EPHEMERAL + " ; " + DOC_NACL_RULES,
        observe=("VPC Flow Logs on the ALB's ENIs: the inbound SYNs ACCEPTed, the outbound answers to high ports REJECTed;"
                 " describe-network-acls shows the outbound deny on 1024-65535 ahead of rule 100."),
        break_lab=lab_actions.break_acl_ephemeral_return, request=lab_actions.api_request,
        fix_lab=lab_actions.remove_acl_deny),
    Misconfiguration(
        "nacl-blocks-targets", "A network ACL entry drops the NLB at its targets", "rest-nlb",
        '500 {"message":"Internal server error"}', 500, "target ingress",
        "The targets' subnet network ACL denies TCP 80 from the VPC ahead of the allow-all rule: the NLB's health "
        "checks and forwarded connections are dropped (the security groups are never reached), the target turns "
        "unhealthy (Target.FailedHealthChecks), the NLB fails open and the connections time out; API Gateway answers 500.",
        "Delete the deny entry, or allow the NLB's addresses (or, with client IP preservation, the clients') on the target "
        "port and the answers on 1024-65535.",
        DOC_NACL_RULES + " ; " + KC_500_VPC,
        observe=("describe-target-health: Target.FailedHealthChecks; VPC Flow Logs on the targets' ENIs: REJECT from the "
                 "NLB's addresses on the target port; Reachability Analyzer from an NLB ENI to a target names the network "
                 "ACL entry."),
        break_lab=lab_actions.break_acl_listener_port, request=lab_actions.rest_nlb_request,
        fix_lab=lab_actions.remove_acl_deny),
    Misconfiguration(
        "peering-route-missing", "A peered client VPC without the route back", "rest-private-alb",
        "the connection times out from the peered VPC", None, "source -> load balancer",
        "The peering is active and the client's route table sends the lab's CIDR to it, but the lab's subnets have no "
        "route to the client's CIDR: the ALB's answers cannot leave. A peering needs a route in each VPC's route "
        "tables. Reachability Analyzer reports the missing route.",
        "Add a route to the client VPC's CIDR through the peering in the route table of the lab's subnets.",
        DOC_PEERING_ROUTES,
        observe=("describe-route-tables: the lab subnets' table has no route to the client's CIDR through the peering; VPC"
                 " Flow Logs on the ALB's ENIs show the client's packets arriving and no answer reaching the client."),
        break_lab=lab_actions.break_peering_return_route, request=lab_actions.peered_client_request,
        fix_lab=lab_actions.route_back_to_peer),
    Misconfiguration(
        "no-route-out", "A client VPC with no way out calls a public API", "http-alb",
        "the connection times out from that VPC", None, "source -> API Gateway",
        "The API's endpoint is a public name. The client's VPC has only its local route (no internet gateway, NAT "
        "gateway or transit gateway route); a route to a peering would not do either, a peer's gateways are not "
        "shared. Flow Logs show nothing leaving; Reachability Analyzer finds no path.",
        "Give the client subnets a way out (a NAT gateway, or an internet gateway for public subnets), or reach the API "
        "through an execute-api interface endpoint (private APIs).",
        DOC_PEERING_LIMITS,
        observe=("describe-route-tables: the client subnets' table holds only the local route; Reachability Analyzer from "
                 "a client ENI to the internet finds no path; VPC Flow Logs show nothing leaving for the API's addresses."),
        break_lab=lab_actions.break_no_route_out, request=lab_actions.closed_client_request,
        fix_lab=lab_actions.open_way_out),
]


def by_id(entry_id: str) -> Misconfiguration:
    for entry in CATALOGUE:
        if entry.id == entry_id:
            return entry
    raise ParameterError("id", f"{entry_id!r} is not in the catalogue", f"use one of {', '.join(e.id for e in CATALOGUE)}")


def frame() -> pd.DataFrame:
    """The catalogue as a table (the docs' troubleshooting page is generated from it)."""
    return pd.DataFrame([{"id": e.id, "pattern": e.pattern, "symptom": e.symptom,
                          "status": "timeout" if e.status is None else e.status, "hop": e.hop,
                          "cause": e.cause, "fix": e.fix, "reference": e.reference} for e in CATALOGUE])

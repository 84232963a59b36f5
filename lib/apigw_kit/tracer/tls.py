"""TLS: the name API Gateway or the client verifies against a listener's certificates."""
from __future__ import annotations

from .model import _Hops

DOC_HTTP_PRIVATE = "https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-develop-integrations-private.html"


def _covers(pattern: str, name: str) -> bool:
    """Certificate name matching: a wildcard covers exactly one leftmost label."""
    pattern, name = pattern.lower().rstrip("."), name.lower().rstrip(".")
    if pattern.startswith("*."):
        head, _, rest = name.partition(".")
        return bool(head) and rest == pattern[2:]
    return pattern == name


class TlsLayer(_Hops):
    def tls_check(self, integration: dict, listener: dict) -> None:
        server_name = (integration.get("TlsConfig") or {}).get("ServerNameToVerify")
        if listener["Protocol"] not in ("HTTPS", "TLS"):
            if server_name:
                self.fail("tls", "listener", listener["ListenerArn"].split("/")[-1], f"TlsConfig verifies {server_name} "
                          f"but the listener speaks {listener['Protocol']}: the TLS handshake fails", 500)
            self.add("tls", "listener", listener["ListenerArn"].split("/")[-1], "skip", f"{listener['Protocol']} listener, no TLS")
            return
        if not server_name:
            # Without TlsConfig a private integration speaks plain HTTP (DOC_HTTP_PRIVATE). No page names the status
            # for plain HTTP on a TLS port; the kit predicts the 500 the knowledge center gives TLS failures.
            self.fail("tls", "integration", integration["IntegrationId"], f"no TlsConfig: API Gateway sends plain HTTP, "
                      f"but the listener speaks {listener['Protocol']} on {listener['Port']}, so the load balancer fails the TLS "
                      f"negotiation (ClientTLSNegotiationErrorCount) and closes the connection ({DOC_HTTP_PRIVATE})", 500)
        self.certificate_covers(listener, server_name, "tls", 500)

    def certificate_covers(self, listener: dict, server_name: str, hop: str, status: int | None) -> None:
        names, arns = [], [c["CertificateArn"] for c in listener.get("Certificates", [])]
        acm = self.cloud.client("acm")
        for arn in arns:
            cert = acm.describe_certificate(CertificateArn=arn)["Certificate"]
            names += [cert["DomainName"], *cert.get("SubjectAlternativeNames", [])]
        covering = next((n for n in names if _covers(n, server_name)), None)
        if covering is None:
            self.fail(hop, "certificate", ",".join(a.split("/")[-1] for a in arns), f"{server_name} is not covered by the "
                      f"listener's certificate names {sorted(set(names))} (a wildcard covers one label)", status)
        self.add(hop, "certificate", arns[0].split("/")[-1], "ok", f"{server_name} covered by {covering}")

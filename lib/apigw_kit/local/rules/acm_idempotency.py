"""An idempotency token of a deleted certificate no longer names it.

AWS documentation: https://docs.aws.amazon.com/acm/latest/APIReference/API_RequestCertificate.html
"""
from __future__ import annotations

from moto.acm.models import AWSCertificateManagerBackend

from . import Rule
from ._patch import wrap


def _arn_for_token(original, self: AWSCertificateManagerBackend, token: str):
    arn = original(self, token)
    # moto keeps the token after DeleteCertificate and then fails (HTTP 500) looking the ARN up.
    return arn if arn in self._certificates else None


def install() -> None:
    wrap(AWSCertificateManagerBackend, "_get_arn_from_idempotency_token", _arn_for_token)


RULE = Rule(
    name="acm_idempotency",
    mirrors="RequestCertificate with the token of a certificate since deleted issues a new certificate.",
    install=install,
)

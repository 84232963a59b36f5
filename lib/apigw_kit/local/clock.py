"""One shared provisioning clock for the embedded AWS.

Slow AWS resources (load balancers, VPC links, endpoints, certificates) become
ready a fixed number of *simulated* seconds after creation. ``scale`` converts
simulated seconds to real ones, so benchmarks can use realistic minutes while
a default run takes a fraction of a second. The kit's waits read the same scale
from the server (``/_apigw_kit/clock``) and shrink their poll intervals and
timeouts to match.
"""
from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field

# Simulated seconds, roughly what AWS takes (see benchmarks/README for sources).
REALISTIC_DELAYS = {
    "load_balancer": 180.0,
    "vpc_link": 150.0,
    "vpc_endpoint": 90.0,
    "certificate": 60.0,
    # EC2 publishes no figures for its state changes (https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/ec2-instance-lifecycle.html);
    # these are typical for a small EBS-backed Linux instance: pending -> running, stopping -> stopped.
    "instance_start": 30.0,
    "instance_stop": 60.0,
    # Lambda reports no figure; a function outside a VPC typically leaves Pending within seconds, and an
    # update is InProgress as long (https://docs.aws.amazon.com/lambda/latest/dg/functions-states.html).
    "lambda_function": 5.0,
    "lambda_update": 5.0,
    # IAM gives no figure either, only that changes take time to become visible everywhere
    # (https://docs.aws.amazon.com/IAM/latest/UserGuide/troubleshoot_general.html#troubleshoot_general_eventual-consistency);
    # ten seconds is what a new role commonly needs before Lambda may assume it.
    "iam_propagation": 10.0,
    # Deletion (no AWS figure is published): a VPC link v1 or v2 shows DELETING for a minute or two
    # (the kit's own runs; API Gateway's VpcLink status DELETING), an interface endpoint "deleting" for
    # about a minute (EC2 VpcEndpoint State Deleting).
    "vpc_link_deletion": 90.0,
    "vpc_endpoint_deletion": 60.0,
    # The requester-managed ENIs of a deleted load balancer, VPC link or endpoint linger after their
    # owner is gone: security groups and subnets answer DependencyViolation for a minute or more
    # (github.com/hashicorp/terraform-provider-aws/issues/40; API Gateway's guide: "it can take a few
    # minutes" for a VPC link's network interfaces).
    "eni_release": 90.0,
}
# Default scale: a load balancer is active after 0.18 real seconds.
DEFAULT_SCALE = 0.001


@dataclass
class Clock:
    scale: float = DEFAULT_SCALE
    delays: dict[str, float] = field(default_factory=lambda: dict(REALISTIC_DELAYS))
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def now(self) -> float:
        return time.monotonic()

    def ready(self, kind: str | tuple[str, ...], created_at: float) -> bool:
        """True once ``kind`` created at ``created_at`` (from ``now()``) is provisioned; a tuple of
        kinds is a chain of delays one after the other (a deletion, then the ENIs' release)."""
        kinds = (kind,) if isinstance(kind, str) else kind
        with self._lock:
            seconds = sum(self.delays.get(k, 0.0) for k in kinds)
        return self.passed(seconds, created_at)

    def passed(self, seconds: float, since: float) -> bool:
        """True once ``seconds`` simulated seconds have gone by since ``since`` (from ``now()``)."""
        with self._lock:
            wait = seconds * self.scale
        return self.now() - since >= wait

    def configure(self, scale: float | None = None, delays: dict[str, float] | None = None) -> None:
        with self._lock:
            if scale is not None:
                if scale < 0:
                    raise ValueError("clock scale must be >= 0")
                self.scale = float(scale)
            for kind, seconds in (delays or {}).items():
                if kind not in REALISTIC_DELAYS:
                    raise ValueError(f"unknown delay kind {kind!r}; known: {sorted(REALISTIC_DELAYS)}")
                self.delays[kind] = float(seconds)

    def as_dict(self) -> dict:
        with self._lock:
            return {"scale": self.scale, "delays": dict(self.delays)}


CLOCK = Clock()

"""The AWS API calls a step made, shown compactly so a learner can redo them with boto3.

``CallCounter`` (cloud.py) keeps an ordered, bounded log of mutating calls with
their parameters compacted here at record time: ids and ARNs in full, long
values shortened, secrets masked, so the log never holds a secret or a large
document. A step's result carries the calls made since it started (``Made``)
and shows them under its table in a collapsed ``<details>``.
"""
from __future__ import annotations

import html
import re
from dataclasses import dataclass, field
from datetime import datetime

LOG_LIMIT = 2000  # mutating calls kept; a long workshop session makes a few hundred
LONG = 60  # characters of an ordinary string shown before it is shortened
ITEMS = 6  # list items shown before "... N more"
DEPTH = 5  # nesting shown before "{...}": deep enough for TagSpecifications' tags
SECRET = re.compile(r"(?i)(password|secret|private_?key|session_?token|auth_?token|passphrase|credential)")
# Unique per create and per run (https://docs.aws.amazon.com/ec2/latest/devguide/ec2-api-idempotency.html, see
# Lab.idempotency_token): shown by what it is, so a step's calls read the same from run to run.
TOKEN = re.compile(r"(?i)^(client_?token|idempotency_?token|caller_?reference|client_?request_?token|creator_?request_?id)$")
ID_LIKE = re.compile(r"^(arn:[^\s]+|[a-z][a-z0-9]*(-[a-z0-9]+)*-[0-9a-f]{8,17})$")


@dataclass(frozen=True)
class Call:
    """One mutating call: its position in the connection's log, service, operation and compacted parameters."""
    seq: int
    service: str
    operation: str
    params: str

    def __str__(self) -> str:
        return f"{self.service}.{self.operation}({self.params})"


def _value(value, depth: int) -> str:
    if isinstance(value, str):
        if len(value) <= LONG or ID_LIKE.match(value):
            return repr(value)
        return f"{value[:LONG - 20]!r}...[{len(value)} chars]"
    if isinstance(value, (bytes, bytearray)):
        return f"<{len(value)} bytes>"
    if isinstance(value, datetime):
        return repr(value.isoformat())
    if isinstance(value, (bool, int, float)) or value is None:
        return repr(value)
    if depth >= DEPTH:
        return "{...}" if isinstance(value, dict) else "[...]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k!r}: {_member(k, v, depth + 1)}" for k, v in value.items()) + "}"
    if isinstance(value, (list, tuple)):
        shown = [_value(v, depth + 1) for v in value[:ITEMS]]
        if len(value) > ITEMS:
            shown.append(f"... {len(value) - ITEMS} more")
        return "[" + ", ".join(shown) + "]"
    return f"<{type(value).__name__}>"  # a stream or other object boto3 reads itself


def _member(name: str, value, depth: int) -> str:
    if SECRET.search(str(name)):
        return "'***'"
    return "<idempotency token>" if TOKEN.match(str(name)) else _value(value, depth)


def compact(params: dict | None) -> str:
    """``Name='x', SubnetIds=['subnet-1', ...]``: a call's parameters on one line, secrets masked."""
    return ", ".join(f"{name}={_member(name, value, 1)}" for name, value in (params or {}).items())


@dataclass
class Made:
    """The calls made between two points of a connection: mutating ones in order, reads by operation."""
    changes: list[Call] = field(default_factory=list)
    reads: list[str] = field(default_factory=list)  # "service.Operation", sorted; counts vary with polling
    lost: int = 0  # mutating calls made but no longer in the bounded log

    def summary(self) -> str:
        kinds = f"{len(self.reads)} kind{'s' * (len(self.reads) != 1)} of read"
        changed = len(self.changes) + self.lost
        if not changed:
            return f"AWS API calls: none changing the account, {kinds}"
        lost = f", the first {self.lost} no longer kept" if self.lost else ""
        return f"AWS API calls: {changed} changing the account (in order{lost}), {kinds}"

    def text(self) -> str:
        lines = [self.summary() + ":"]
        lines += [f"  {n}. {call}" for n, call in enumerate(self.changes, 1 + self.lost)]
        if self.reads:
            lines.append("  reads (their number varies with polling): " + ", ".join(self.reads))
        return "\n".join(lines)

    def html(self) -> str:
        items = "".join(f"<li><code>{html.escape(str(call))}</code></li>" for call in self.changes)
        reads = (f"<p>Reads (their number varies with polling): <code>{html.escape(', '.join(self.reads))}</code></p>"
                 if self.reads else "")
        return (f'<details class="apigw-kit-calls"><summary>{html.escape(self.summary())}</summary>'
                f'<ol start="{1 + self.lost}">{items}</ol>{reads}</details>')

    def __repr__(self) -> str:
        return self.text()

    def _repr_html_(self) -> str:
        return self.html()

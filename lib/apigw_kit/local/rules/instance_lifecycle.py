"""EC2 instances change state on the clock, and a server started by user data may not survive a stop.

Mirrors https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/ec2-instance-lifecycle.html: a launched or
started instance is ``pending``, then ``running``; a stopped one is ``stopping``, then ``stopped``.
StartInstances on an instance that is still ``stopping`` fails with IncorrectInstanceState
(https://docs.aws.amazon.com/AWSEC2/latest/APIReference/errors-overview.html).

User data runs at the first boot only (https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/user-data.html).
The emulator reads from it which port a web server listens on, recognising two scripts and nothing else:

- the kit's ``WEB_SERVER`` (steps/network.py) carries the marker ``APIGW_KIT_WEB_PORT=<port>`` and answers
  200 on every path;
- ``python3 -m http.server <port>`` serves its directory's files: 200 on ``/``, 404 elsewhere.

A script that enables a systemd unit (``systemctl enable``) installs its server as a service, which comes
back with every start; otherwise the server listens only until the instance is first stopped.
"""
from __future__ import annotations

import base64
import re

from moto.ec2.exceptions import EC2ClientError
from moto.ec2.models.instances import Instance, InstanceState

from ..clock import CLOCK
from . import Rule
from ._patch import wrap

# A transitional state, the state it settles into (name, code) and the clock's delay kind.
_SETTLES = {"pending": ("running", 16, "instance_start"), "stopping": ("stopped", 80, "instance_stop")}
_STATE, _CHANGED, _STOPPED_ONCE = "_apigw_kit_state", "_apigw_kit_state_changed", "_apigw_kit_stopped_once"
_KIT_SERVER = re.compile(r"APIGW_KIT_WEB_PORT=(\d+)")
_FILE_SERVER = re.compile(r"http\.server\s+(\d+)")


class IncorrectInstanceState(EC2ClientError):
    def __init__(self, instance_id: str, action: str):
        super().__init__("IncorrectInstanceState",
                         f"The instance '{instance_id}' is not in a state from which it can be {action}.")


def _state_get(self: Instance) -> InstanceState:
    state = self.__dict__[_STATE]
    settled = _SETTLES.get(state.name)
    if settled and CLOCK.ready(settled[2], self.__dict__.get(_CHANGED, float("-inf"))):
        state.name, state.code = settled[:2]
    return state


def _state_set(self: Instance, value: InstanceState) -> None:
    self.__dict__[_STATE] = value


def _enter(instance: Instance, name: str, code: int) -> None:
    instance._state = InstanceState(name, code)
    instance.__dict__[_CHANGED] = CLOCK.now()


def _launch(original, self: Instance, *args, **kwargs) -> None:
    original(self, *args, **kwargs)
    _enter(self, "pending", 0)


def _unchanged(instance: Instance) -> InstanceState:
    return InstanceState(instance.state, instance.state_code)


def _stop(original, self: Instance) -> InstanceState:
    if self.state in ("stopping", "stopped"):
        return _unchanged(self)
    previous = original(self)
    _enter(self, "stopping", 64)
    self.__dict__[_STOPPED_ONCE] = True
    return previous


def _start(original, self: Instance) -> InstanceState:
    if self.state == "stopping":
        raise IncorrectInstanceState(self.id, "started")
    if self.state in ("pending", "running"):
        return _unchanged(self)
    previous = original(self)
    _enter(self, "pending", 0)
    return previous


def user_data(instance: Instance) -> str:
    encoded = getattr(instance, "user_data", None)
    if not encoded:
        return ""
    raw = encoded.as_bytes() if hasattr(encoded, "as_bytes") else str(encoded).encode()
    try:
        return base64.b64decode(raw).decode("utf-8", "replace")
    except ValueError:
        return raw.decode("utf-8", "replace")


def web_answer(instance: Instance, port: int, path: str) -> int | None:
    """The HTTP status the instance's web server gives ``path`` on ``port``; None when nothing listens."""
    script = user_data(instance)
    survives = "systemctl enable" in script or not instance.__dict__.get(_STOPPED_ONCE)
    if instance.state != "running" or not survives:
        return None
    if any(int(p) == port for p in _KIT_SERVER.findall(script)):
        return 200
    if any(int(p) == port for p in _FILE_SERVER.findall(script)):
        return 200 if path == "/" else 404
    return None


def booted_at(instance: Instance) -> float:
    """When a running instance was launched or last started, on the clock (-inf if before the rules)."""
    return instance.__dict__.get(_CHANGED, float("-inf"))


def install() -> None:
    if not isinstance(Instance.__dict__.get("_state"), property):
        Instance._state = property(_state_get, _state_set)
    wrap(Instance, "__init__", _launch)
    wrap(Instance, "stop", _stop)
    wrap(Instance, "start", _start)


RULE = Rule(
    name="instance_lifecycle",
    mirrors="Instances go pending->running and stopping->stopped on the clock; StartInstances while stopping fails "
            "(IncorrectInstanceState); a server started by user data (first boot only) is gone after a stop unless "
            "it is a systemd service.",
    install=install,
)

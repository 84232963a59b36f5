"""The kit's exceptions. Each message names what went wrong and how to fix it."""
from __future__ import annotations


class KitError(Exception):
    """Base class for errors raised by apigw_kit."""


class ParameterError(KitError, ValueError):
    """A parameter is invalid; raised before any mutating call."""

    def __init__(self, parameter: str, problem: str, fix: str):
        self.parameter, self.problem, self.fix = parameter, problem, fix
        super().__init__(f"{parameter}: {problem}. Fix: {fix}")


class AccountNotConfirmed(KitError, PermissionError):
    """A mutating call against a real account without the matching confirm_account."""


class WaitTimeout(KitError, TimeoutError):
    """A resource did not reach the state we waited for."""


class MissingResource(KitError, LookupError):
    """Something AWS creates on its own (a load balancer's ENIs, ...) is not there when it should be."""


class StepFailed(KitError, RuntimeError):
    """A provisioning step failed; names the step and the resource."""

    def __init__(self, step: str, resource: str, cause: BaseException):
        self.step, self.resource, self.cause = step, resource, cause
        super().__init__(f"step {step} failed on {resource}: {cause}")

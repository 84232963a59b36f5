"""apigw-kit: API Gateway private integrations, built, drawn, checked and torn down."""
from __future__ import annotations

from .cloud import Cloud, connect
from .errors import AccountNotConfirmed, KitError, ParameterError, StepFailed, WaitTimeout
from .tracer import trace

__version__ = "0.1.0"
__all__ = ["AccountNotConfirmed", "Cloud", "KitError", "ParameterError", "StepFailed", "WaitTimeout", "connect", "trace"]

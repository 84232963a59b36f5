"""One module per article: parameters, validation, steps, checks (see base.PatternRun)."""
from __future__ import annotations

import importlib

# pattern id -> module; the notebook of each is notebooks/<NOTEBOOK>.ipynb
MODULES = {
    "http-alb": "http_alb",
    "https-domain": "https_custom_domain",
    "private-vpn": "private_api_vpn",
    "vpc-link-types": "vpc_link_types",
    "nlb-alb-bridge": "nlb_alb_bridge",
}


def load(pattern: str):
    """The PatternRun class of ``pattern`` (an id of MODULES)."""
    from ..errors import ParameterError
    if pattern not in MODULES:
        raise ParameterError("pattern", f"{pattern!r} is not a pattern", f"use one of {', '.join(MODULES)}")
    return importlib.import_module(f".{MODULES[pattern]}", __name__).Run

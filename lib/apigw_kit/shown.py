"""Tables as a learner sees them: no cell cut, ARNs by their resource part, no empty column.

The kit's functions return ordinary DataFrames (full ARNs, every column) for code
to use; what a notebook displays goes through :func:`shown`, which changes only
how the table is rendered, and adds under a step's table the AWS calls it made.
"""
from __future__ import annotations

import functools
import re

import pandas as pd

from .api_calls import Made
from .tagged import lab_names

ARN = re.compile(r"\barn:aws[a-z-]*:[a-z0-9-]+:[a-z0-9-]*:\d*:([^\s'\",|]+)")
UNCUT = ("display.max_colwidth", None, "display.max_rows", None, "display.max_columns", None)  # pandas cuts at 50


def short_arns(text: str) -> str:
    """Each ARN in ``text`` by its resource part: ``listener/app/lab-alb/50dc.../f2f7...`` stays a listener."""
    return ARN.sub(lambda m: m.group(1), text)


def _named(cell: str, names: dict[str, str], row: str) -> str:
    """``sg-1,sg-2`` -> ``sg-1 (lab-alb),sg-2 (lab-web)``: each id with its name, unless the row already shows it."""
    return ",".join(f"{token} ({names[token.strip()]})" if names.get(token.strip()) and names[token.strip()] not in row
                    else token for token in cell.split(","))


def readable(frame: pd.DataFrame, names: dict[str, str] | None = None) -> pd.DataFrame:
    """A copy for display: ids with their names (``names``: id -> name), ARNs shortened, columns that hold
    nothing in any row left out."""
    view = frame.copy()
    texts = [c for c in view.columns if view[c].dtype == object or pd.api.types.is_string_dtype(view[c])]
    if names and len(view) and texts:
        rows = [" ".join(str(v) for v in r) for r in view[texts].itertuples(index=False)]
        for column in texts:
            view[column] = [_named(v, names, row) if isinstance(v, str) else v for v, row in zip(view[column], rows)]
    for column in texts:
        view[column] = view[column].map(lambda v: short_arns(v) if isinstance(v, str) else v)
    if len(view):
        empty = [c for c in view.columns if view[c].map(lambda v: v is None or v == "" or (
            not isinstance(v, (list, tuple, dict, set)) and pd.isna(v))).all()]
        view = view.drop(columns=empty)
    return view


class Shown(pd.DataFrame):
    """A DataFrame that renders readably (see :func:`readable`), with the AWS calls that made it, if any.

    The names beside ids are read when the table is first rendered, not when it is made: a notebook renders a
    cell's result as the cell ends, so they are the names of that moment, and code that only uses the table
    (a runbook's apply, a test) never pays the listing.
    """
    _metadata = ["api_calls", "name_source", "_resource_names"]

    @property
    def _constructor(self):
        return pd.DataFrame  # anything derived from it is an ordinary table again

    def resource_names(self) -> dict[str, str] | None:
        """id -> name of what the table shows, read once (see the class). A method, not a property named
        ``names``: pandas asks objects for ``.names`` (an Index's), which would list the lab unasked."""
        if getattr(self, "_resource_names", None) is None and getattr(self, "name_source", None) is not None:
            self._resource_names, self.name_source = self.name_source(), None
        return getattr(self, "_resource_names", None)

    def _repr_html_(self) -> str:
        with pd.option_context(*UNCUT):
            table = pd.DataFrame._repr_html_(readable(self, self.resource_names())) or ""
        calls = getattr(self, "api_calls", None)
        return table + (calls.html() if calls is not None else "")

    def __repr__(self) -> str:
        with pd.option_context(*UNCUT):
            table = pd.DataFrame.__repr__(readable(self, self.resource_names()))
        calls = getattr(self, "api_calls", None)
        return table + (f"\n\n{calls.text()}" if calls is not None else "")


def shown(frame: pd.DataFrame, calls: Made | None = None, names=None) -> Shown:
    """``frame`` to display, with ``calls`` under it and ``names`` (id -> name, or a function returning them when
    the table is first rendered) beside its ids."""
    result = Shown(frame)
    result.api_calls = calls if calls is not None and (calls.changes or calls.reads or calls.lost) else None
    result._resource_names, result.name_source = (None, names) if callable(names) else (names, None)
    return result


def shows(method):
    """Decorate a method of an object with a ``cloud`` (and a ``lab``): a DataFrame it returns is shown
    with the calls it made, and the lab's resources named beside their ids."""
    @functools.wraps(method)
    def run(self, *args, **kwargs):
        mark = self.cloud.calls.mark()
        result = method(self, *args, **kwargs)
        if not isinstance(result, pd.DataFrame):
            return result
        made = self.cloud.calls.made_since(mark)
        lab = getattr(self, "lab", None)
        # A method that made no call (a skipped exercise, a table from memory) makes none to be shown either.
        if lab is None or not len(result) or not (made.changes or made.reads or made.lost):
            return shown(result, made)
        return shown(result, made, lambda: lab_names(lab))
    return run

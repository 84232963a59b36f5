"""Tables as shown: no cell cut (HTML and text), ARNs by their resource part, no empty column."""
from __future__ import annotations

import pandas as pd

from apigw_kit.api_calls import Call, Made
from apigw_kit import shown as shown_module
from apigw_kit.shown import shown, shows

LISTENER = ("arn:aws:elasticloadbalancing:eu-west-1:123456789012:"
            "listener/app/a-rather-long-load-balancer-name/50dc6c495c0c9188/f2f7dc8efc522ab2")
SUFFIX = "listener/app/a-rather-long-load-balancer-name/50dc6c495c0c9188/f2f7dc8efc522ab2"


def table(rows: int = 1) -> pd.DataFrame:
    return pd.DataFrame([{"route": f"ANY /{n}", "uri": LISTENER, "tls_server_name": "",
                          "note": "x" * 120} for n in range(rows)])


def test_no_cell_is_cut_in_html_or_text():
    frame = shown(table())
    assert len(SUFFIX) > 50  # pandas' default cut
    for rendered in (frame._repr_html_(), repr(frame)):
        assert SUFFIX in rendered and "x" * 120 in rendered
        assert "arn:aws:" not in rendered  # the partition, region and account add nothing a learner needs here
        assert "..." not in rendered


def test_many_rows_are_all_shown():
    rendered = repr(shown(table(rows=80)))
    assert "ANY /79" in rendered and "..." not in rendered


def test_empty_columns_are_left_out_and_the_data_kept():
    frame = shown(table())
    assert "tls_server_name" not in frame._repr_html_() and "tls_server_name" not in repr(frame)
    assert frame.loc[0, "uri"] == LISTENER  # code still gets the full ARN
    empty = shown(table().iloc[0:0])
    assert "tls_server_name" in repr(empty)  # an empty table keeps its header


def test_ids_stand_beside_their_names_once():
    frame = pd.DataFrame([{"eni": "eni-0123456789abcdef0", "security_groups": "sg-0aaaaaaaaaaaaaaaa,sg-0bbbbbbbbbbbbbbbb"},
                          {"eni": "eni-0123456789abcdef1", "security_groups": "sg-0aaaaaaaaaaaaaaaa", "group_name": "lab-alb"}])
    rendered = repr(shown(frame, names={"sg-0aaaaaaaaaaaaaaaa": "lab-alb", "sg-0bbbbbbbbbbbbbbbb": "lab-web"}))
    assert "sg-0aaaaaaaaaaaaaaaa (lab-alb),sg-0bbbbbbbbbbbbbbbb (lab-web)" in rendered
    assert rendered.count("(lab-alb)") == 1  # the second row names the group in its own column already


def test_a_steps_table_lists_the_lab_once_and_only_when_rendered(monkeypatch):
    """The names beside ids cost a listing of the lab: a run that never displays its tables (a runbook's apply,
    the fault sweep) must not pay it, and a table rendered as HTML and text pays it once."""
    listings = []

    def lab_names(lab):
        listings.append(lab)
        return {"sg-0aaaaaaaaaaaaaaaa": "lab-alb"}

    monkeypatch.setattr(shown_module, "lab_names", lab_names)

    class Calls:
        def mark(self):
            return 0

        def made_since(self, mark):
            return Made(changes=[Call(1, "ec2", "CreateSecurityGroup", "GroupName=lab-alb")])

    class Step:
        cloud, lab = type("Cloud", (), {"calls": Calls()})(), "the lab"

        @shows
        def security_group(self):
            return pd.DataFrame([{"group": "sg-0aaaaaaaaaaaaaaaa"}])

    result = Step().security_group()
    list(result.itertuples()), result[["group"]], result.to_dict("records"), pd.concat([result, result])
    assert listings == []  # code using the table (pandas asks objects for .names) does not list the lab
    assert "sg-0aaaaaaaaaaaaaaaa (lab-alb)" in result._repr_html_() and "(lab-alb)" in repr(result)
    assert listings == ["the lab"]

"""Every fidelity rule names the AWS documentation it mirrors, and the README lists each rule with it."""
from __future__ import annotations

import importlib.util
from pathlib import Path

from apigw_kit.local import admin, rules

ROOT = Path(__file__).resolve().parents[2]
AWS_PAGES = ("https://docs.aws.amazon.com/", "https://repost.aws/")


def rules_table():
    spec = importlib.util.spec_from_file_location("rules_table", ROOT / "scripts" / "rules_table.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.table()


def test_every_rule_names_an_aws_documentation_page():
    undocumented = [r.name for r in rules.RULES if not any(p.startswith(AWS_PAGES) for p in rules.documentation(r))]
    assert undocumented == []


def test_the_embedded_aws_lists_its_rules_with_their_pages(endpoint):
    listed = admin(endpoint, "rules")["rules"]
    assert {r["name"]: r["documentation"] for r in listed} == {r.name: rules.documentation(r) for r in rules.RULES}


def test_readme_table_is_the_rules_table():
    assert rules_table() in (ROOT / "README.md").read_text(), \
        "README's table of fidelity rules is stale: run scripts/rules_table.py and paste its output"

"""Print the README's table of the embedded AWS's fidelity rules (one row per rule, in install order).

README.md's section "The embedded AWS" holds this table verbatim; tests/unit/test_rule_docs.py
fails when they drift apart. After adding or changing a rule: `.venv/bin/python scripts/rules_table.py`
and paste the output over the table.
"""
from __future__ import annotations

from apigw_kit.local.rules import RULES, documentation


def table() -> str:
    rows = ["| rule | what AWS does | AWS documentation |", "|---|---|---|"]
    for rule in RULES:
        pages = " ; ".join(f"<{page}>" for page in documentation(rule))
        mirrors = rule.mirrors.replace("|", r"\|")  # a literal bar inside a Markdown table cell
        rows.append(f"| `{rule.name}` | {mirrors} | {pages} |")
    return "\n".join(rows)


if __name__ == "__main__":
    print(table())

"""How `make test` shares the suite between xdist workers (the repository's root conftest.py)."""
from __future__ import annotations

import importlib.util
from pathlib import Path

SPEC = importlib.util.spec_from_file_location("root_conftest", Path(__file__).resolve().parents[2] / "conftest.py")
root_conftest = importlib.util.module_from_spec(SPEC)
SPEC.loader.exec_module(root_conftest)


def test_a_notebook_s_cells_go_to_one_worker():
    cells = [f"notebooks/01_http_api_vpc_link_alb.ipynb::Cell {i}" for i in (0, 1, 28)]
    assert {root_conftest.scope_of(cell) for cell in cells} == {"notebooks/01_http_api_vpc_link_alb.ipynb"}


def test_modules_with_an_expensive_module_fixture_stay_whole():
    for module in root_conftest.SERIAL_MODULES:
        assert root_conftest.scope_of(f"{module}::test_one") == root_conftest.scope_of(f"{module}::test_two") == module
        assert Path(__file__).resolve().parents[2].joinpath(module).exists(), f"{module} was moved: update SERIAL_MODULES"


def test_every_other_test_is_shared_out_alone():
    cases = ["tests/reliability/test_faults.py::test_fault_at_every_mutating_call[http-alb-refused]",
             "tests/reliability/test_faults.py::test_fault_at_every_mutating_call[http-alb-lost]"]
    assert [root_conftest.scope_of(case) for case in cases] == cases  # the fault sweep spreads over the workers

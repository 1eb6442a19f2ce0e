"""The import contracts of pyproject.toml hold, and would catch an import against them.

`lint-imports` runs the same contracts in CI; running them here too means a plain `make test`
fails on an import that points the wrong way (an app importing `cartography`, the registry
importing the ledger, `core` importing an app, a cycle between two modules).
"""

import copy
from pathlib import Path

import grimp
import pytest
from importlinter import api as importlinter_api  # noqa: F401 (configures import-linter)
from importlinter.application.use_cases import read_user_options
from importlinter.contracts.acyclic_siblings import AcyclicSiblingsContract
from importlinter.contracts.forbidden import ForbiddenContract
from importlinter.contracts.layers import LayersContract

PYPROJECT = Path(__file__).resolve().parent.parent / "pyproject.toml"
CONTRACT_TYPES = {
    "layers": LayersContract,
    "forbidden": ForbiddenContract,
    "acyclic_siblings": AcyclicSiblingsContract,
}


@pytest.fixture(scope="module")
def options():
    return read_user_options(config_filename=str(PYPROJECT))


@pytest.fixture(scope="module")
def graph(options):
    return grimp.build_graph(
        *options.session_options["root_packages"],
        include_external_packages=False,
        cache_dir=None,
    )


def broken_contracts(options, graph) -> list[str]:
    broken = []
    for contract_options in options.contracts_options:
        contract = CONTRACT_TYPES[contract_options["type"]](
            name=contract_options["name"],
            session_options=options.session_options,
            contract_options=contract_options,
        )
        if not contract.check(copy.deepcopy(graph), verbose=False).kept:
            broken.append(contract.name)
    return broken


def test_the_declared_contracts_are_the_layering_the_docs_describe(options):
    by_type = {c["type"]: c for c in options.contracts_options}
    assert list(by_type["layers"]["layers"]) == [
        "cartography",
        "accounts",
        "repositories",
        "contributions",
        "projects",
        "core",
    ]
    assert set(by_type["forbidden"]["source_modules"]) == {"core"}
    assert set(by_type["acyclic_siblings"]["ancestors"]) == set(
        options.session_options["root_packages"]
    )


def test_the_code_keeps_every_import_contract(options, graph):
    assert broken_contracts(options, graph) == []


@pytest.mark.parametrize(
    ("importer", "imported", "contract"),
    [
        # An app importing the project package (what contributions.api once did).
        ("contributions.api", "cartography.api", "layered"),
        # The registry importing the ledger.
        ("projects.selectors", "contributions.models", "layered"),
        # The ledger importing accounts, which sits above it.
        ("contributions.services", "accounts.models", "layered"),
        # The ledger importing the repository sources, which are read into it from above.
        ("contributions.services", "repositories.models", "layered"),
        # The shared plumbing importing an app (what the API errors once did).
        ("core.api_errors", "contributions.services", "core imports no app"),
        # Services and tasks importing each other (as they once did).
        ("contributions.services", "contributions.tasks", "No import cycles"),
    ],
)
def test_an_import_against_the_contracts_breaks_one(options, graph, importer, imported, contract):
    """The contracts are not vacuous: adding one backwards import to the real graph breaks the
    contract named, so the test above would fail on it."""
    changed = copy.deepcopy(graph)
    changed.add_import(importer=importer, imported=imported)
    broken = broken_contracts(options, changed)
    assert any(contract in name for name in broken), broken

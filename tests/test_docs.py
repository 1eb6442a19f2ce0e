"""The README and docs/ point only at files a person who clones the repository has."""

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
DOCUMENTS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]

# [text](target) and [text]: target; the target up to a space, a closing bracket or a title.
LINK = re.compile(r"\]\(\s*<?([^)\s>]+)>?(?:\s+\"[^\"]*\")?\s*\)|^\s*\[[^\]]+\]:\s*(\S+)", re.M)
# A Markdown document named in the text (`docs/domain.md`, DOMAIN.md), linked or not.
NAMED_DOCUMENT = re.compile(r"(?<![\w/.-])((?:[\w.-]+/)*[\w.-]+\.md)\b")
FENCE = re.compile(r"^```.*?^```", re.S | re.M)


def _relative_links(text: str) -> list[str]:
    targets = [a or b for a, b in LINK.findall(FENCE.sub("", text))]
    return [
        target
        for target in targets
        if not re.match(r"^[a-z][a-z0-9+.-]*:", target, re.I)  # http:, mailto: ...
        and not target.startswith(("#", "//"))
    ]


def _exists(document: Path, target: str) -> bool:
    path = target.split("#", 1)[0].split("?", 1)[0]
    if not path:
        return True
    base = ROOT if path.startswith("/") else document.parent
    return (base / path.lstrip("/")).resolve().exists()


def test_there_is_documentation_beside_the_readme():
    names = {document.name for document in DOCUMENTS}
    assert {"domain.md", "architecture.md", "operations.md", "decisions.md"} <= names


@pytest.mark.parametrize("document", DOCUMENTS, ids=lambda path: path.name)
def test_every_relative_link_reaches_a_file_of_the_repository(document):
    missing = [
        target for target in _relative_links(document.read_text()) if not _exists(document, target)
    ]
    assert missing == [], f"{document.relative_to(ROOT)} links to files that do not exist"


@pytest.mark.parametrize("document", DOCUMENTS, ids=lambda path: path.name)
def test_every_document_named_in_the_text_is_in_the_repository(document):
    """A document cited by name only (`see DOMAIN.md`) must exist too, next to the citing file
    or from the repository's root."""
    missing = sorted(
        {
            name
            for name in NAMED_DOCUMENT.findall(document.read_text())
            if not _exists(document, name) and not (ROOT / name).exists()
        }
    )
    assert missing == [], f"{document.relative_to(ROOT)} names documents that do not exist"


def test_the_link_check_finds_a_missing_file(tmp_path):
    """The checks above would notice: a link and a name to nowhere are reported, the others not."""
    document = tmp_path / "README.md"
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "domain.md").write_text("# Domain\n")
    text = (
        "See [the domain](docs/domain.md#health-metrics), [gone](docs/gone.md), "
        "[site](https://example.org/x.md), [top](#start-here) and DOMAIN.md.\n"
        "[ref]: docs/also-gone.md\n"
        "```sh\n[not a link](nowhere.md)\n```\n"
    )
    document.write_text(text)
    links = _relative_links(text)
    assert links == ["docs/domain.md#health-metrics", "docs/gone.md", "docs/also-gone.md"]
    assert [link for link in links if not _exists(document, link)] == [
        "docs/gone.md",
        "docs/also-gone.md",
    ]
    named = NAMED_DOCUMENT.findall(text)
    assert "DOMAIN.md" in named
    assert not _exists(document, "DOMAIN.md")


# Statements of the README that the code decides (issue 15: the README and Swagger disagreed).
def _readme_prose() -> str:
    return " ".join(FENCE.sub("", (ROOT / "README.md").read_text()).split())


def test_the_readme_states_the_paging_the_api_applies():
    from core.pagination import DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE, PAGE_SIZE_PARAM

    prose = _readme_prose()
    assert f"`{PAGE_SIZE_PARAM}`, a whole number from 1 to {MAX_PAGE_SIZE}" in prose
    assert f"(default {DEFAULT_PAGE_SIZE})" in prose
    assert "Contributions move by `cursor`" in prose and "have no `count`" in prose
    assert "every other list moves by `offset` and gives `count`" in prose


def test_the_readme_says_model_cards_are_imported_on_the_web_too():
    readme = (ROOT / "README.md").read_text()
    row = next(line for line in readme.splitlines() if line.startswith("| Hugging Face model"))
    web = row.split("|")[2]
    assert "model card" in web and "(maintainers)" in web
    assert "cannot be imported on the web" not in readme


def test_the_readme_names_the_credit_list_confirmation_the_importers_offer():
    from contributions.management.commands.import_allcontributors import Command

    prose = _readme_prose()
    assert "--confirm-project-mismatch" in prose
    assert "--confirm-project-mismatch" in Command().create_parser("manage.py", "x").format_help()
    assert '"This list belongs to EuroLLM even though it names pyosMeta"' in prose


def test_the_readme_explains_demo_data_and_its_removal():
    """Issue 15, problem 2: the README did not mention `make demo`, and nothing removed it."""
    prose = _readme_prose()
    makefile = (ROOT / "Makefile").read_text()
    for target, command in (("demo", "generate_demo_data"), ("demo-clean", "remove_demo_data")):
        assert f"make {target}" in (ROOT / "README.md").read_text()
        assert re.search(rf"^{target}:.*\n(\t.*\n)*\t.*{command}", makefile, re.M), target
    assert "`make demo-clean` (`manage.py remove_demo_data`)" in prose

"""What a newcomer reads first: the install sections, the package index's page, the license."""

from __future__ import annotations

import re
from pathlib import Path

import nox.project
import pytest

ROOT = Path(__file__).parent.parent
PYPROJECT = nox.project.load_toml(ROOT / "pyproject.toml")
EXTRAS = sorted(PYPROJECT["project"]["optional-dependencies"])
REPOSITORY = PYPROJECT["project"]["urls"]["Source"]
PACKAGE_README = ROOT / PYPROJECT["project"]["readme"]
INSTALL_SECTIONS = {
    "README.md": "## Install",
    "docs/quickstart.md": "## Install",
    PACKAGE_README.name: "## Install",
}


def section(page: str, heading: str) -> str:
    text = (ROOT / page).read_text("utf-8")
    assert heading in text, f"{page} has no {heading!r}"
    return text.partition(heading)[2].partition("\n## ")[0]


@pytest.mark.parametrize("page", sorted(INSTALL_SECTIONS))
def test_the_install_section_installs_from_a_checkout_or_the_repository(page: str) -> None:
    text = section(page, INSTALL_SECTIONS[page])
    assert f'pip install "ycloud-chat @ git+{REPOSITORY}.git"' in text
    if page != PACKAGE_README.name:  # the index's page has no checkout
        assert "pip install .\n" in text.replace("  ", "") or "pip install . " in text
        assert 'pip install ".[aiohttp]"' in text
    missing = [extra for extra in EXTRAS if f"`{extra}`" not in text]
    assert missing == [], f"{page}'s install section does not name these extras"
    assert "pip install ycloud-chat\n" not in text  # not published yet


def test_the_readme_installs_before_it_runs_an_example() -> None:
    readme = (ROOT / "README.md").read_text("utf-8")
    assert readme.index("## Install") < readme.index("python examples/streaming.py")
    assert "(see [Install](#install))" in " ".join(readme.split())


def test_the_package_index_page_has_only_absolute_links() -> None:
    text = PACKAGE_README.read_text("utf-8")
    targets = re.findall(r"\]\(([^)]*)\)", text) + re.findall(r'(?:src|href)="([^"]*)"', text)
    relative = [target for target in targets if not target.startswith("https://")]
    assert relative == []
    assert "![" not in text  # no image to break
    assert f"Source: {REPOSITORY}" in text


def test_the_project_names_its_urls_and_license() -> None:
    project = PYPROJECT["project"]
    assert sorted(project["urls"]) == ["Documentation", "Homepage", "Issues", "Source"]
    assert all(url.startswith(REPOSITORY) for url in project["urls"].values())
    assert project["license"] == "Apache-2.0"
    assert project["license-files"] == ["LICENSE"]
    license_text = (ROOT / "LICENSE").read_text("utf-8")
    assert "Apache License\n                           Version 2.0, January 2004" in license_text
    assert "END OF TERMS AND CONDITIONS" in license_text

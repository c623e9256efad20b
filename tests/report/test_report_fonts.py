"""The report's fonts: each one installed here, from the Debian package the install script
installs, and a check that names the missing package when fontconfig falls back."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

from assessment.report import fonts

REPO_ROOT = Path(__file__).resolve().parent.parent.parent
INSTALL_SCRIPT = REPO_ROOT / "scripts" / "install-system-deps.sh"


def _script_packages() -> set[str]:
    """The Debian package names scripts/install-system-deps.sh lists."""
    text = INSTALL_SCRIPT.read_text(encoding="utf-8")
    lists = re.findall(r"packages\+?=\(([^)]*)\)", text)
    return {word for words in lists for word in words.split() if not word.startswith("#")}


def test_the_report_fonts_are_installed():
    """Fails on a machine without one of the report's fonts, naming the package to install."""
    problems = fonts.check_report_fonts()
    assert not problems, "\n".join(problems)


def test_the_report_names_its_fonts_and_each_has_a_package():
    families = fonts.report_families()
    assert families[:3] == ["Liberation Sans", "Noto Sans CJK SC", "DejaVu Sans"]
    assert "Noto Color Emoji" in families
    assert set(families) <= set(fonts.FONT_PACKAGES)


def test_the_install_script_installs_every_font_package():
    listed = _script_packages()
    assert {
        "fontconfig",
        "libharfbuzz-subset0",
        "poppler-utils",
        "chromium",
        "libatomic1",
    } <= listed
    missing = set(fonts.FONT_PACKAGES.values()) - listed
    assert not missing, f"{INSTALL_SCRIPT.name} does not install {sorted(missing)}"


@pytest.mark.skipif(shutil.which("dpkg-query") is None, reason="not a Debian system")
@pytest.mark.parametrize("family", sorted(fonts.FONT_PACKAGES))
def test_each_font_comes_from_the_package_named_for_it(family):
    path = subprocess.run(
        ["fc-match", "--format=%{file}", family], capture_output=True, text=True, check=True
    ).stdout
    owner = subprocess.run(
        ["dpkg-query", "-S", str(Path(path).resolve())], capture_output=True, text=True
    ).stdout
    assert owner.split(":")[0] == fonts.FONT_PACKAGES[family], (family, path, owner)


def test_a_missing_font_names_its_package():
    """A family that no machine has, checked through the real fc-match."""
    fake = "Partnership Check Missing Sans"
    problems = fonts.check_report_fonts(
        [fake, "Liberation Sans"],
        packages={fake: "fonts-partnership-missing", "Liberation Sans": "fonts-liberation2"},
    )
    assert len(problems) == 1
    assert "'fonts-partnership-missing'" in problems[0]
    assert fake in problems[0] and "falls back to" in problems[0]


def test_a_fallback_is_reported_for_each_font_with_its_own_package():
    """As on a machine where fontconfig answers DejaVu Sans for everything."""
    problems = fonts.check_report_fonts(match=lambda family: ["DejaVu Sans"])
    named = {package for package in fonts.FONT_PACKAGES.values() if package != "fonts-dejavu-core"}
    for package in named:
        assert any(f"'{package}'" in problem for problem in problems), package
    assert len(problems) == len(fonts.report_families()) - 1


def test_a_font_with_no_known_package_is_a_problem():
    problems = fonts.check_report_fonts(["Comic Sans MS"], match=lambda family: [family])
    assert len(problems) == 1 and "FONT_PACKAGES" in problems[0]


def test_without_fontconfig_the_check_names_that_package(monkeypatch):
    monkeypatch.setattr(fonts.shutil, "which", lambda name: None)
    with pytest.raises(fonts.FontconfigMissing, match="'fontconfig'"):
        fonts.check_report_fonts()


def test_stylesheet_families():
    css = """
    /* font-family: "Commented Out"; */
    html { font-family: "Liberation Sans", 'Noto Sans CJK SC', sans-serif; }
    b { font-family: DejaVu Sans , system-ui !important }
    i { font-family: "Liberation Sans"; font-size: 2pt }
    """
    assert fonts.stylesheet_families(css) == ["Liberation Sans", "Noto Sans CJK SC", "DejaVu Sans"]


def test_the_command_prints_each_problem_and_fails(monkeypatch, capsys):
    assert fonts.main() == 0 and capsys.readouterr().out == ""
    monkeypatch.setattr(fonts, "fc_match", lambda family: ["DejaVu Sans"])
    assert fonts.main() == 1
    assert "'fonts-noto-cjk'" in capsys.readouterr().out

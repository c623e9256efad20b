"""The fonts the PDF report is drawn with, the Debian packages that install them, and a check
that each one is really there.

Why a check: when a font named in a stylesheet is missing, fontconfig quietly substitutes
another one (DejaVu for Liberation Sans, a Japanese face or empty boxes for Chinese, empty
boxes for emoji) and WeasyPrint never says so. The PDF still renders, with other metrics and
shapes. `check_report_fonts()` asks fontconfig (`fc-match`) what each family resolves to and
names the Debian package to install when it resolves to something else.

Emoji are drawn by Noto Color Emoji, found by fontconfig's fallback rather than named in
report.css: named in a font stack, Pango also takes the spaces between two emoji from it,
and they come out four times as wide as a normal space. Its colour bitmaps (CBDT) are placed
in the PDF as small images, one per emoji used. A PDF with emoji costs about 0.1-0.2 s more
CPU (WeasyPrint rewrites the subset of the emoji font with fontTools); one without pays nothing,
which is why the demo's texts, used by the benchmarks, have none.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from collections.abc import Callable, Iterable
from pathlib import Path

__all__ = [
    "FALLBACK_FAMILIES",
    "FONT_PACKAGES",
    "REPORT_STYLESHEET",
    "check_report_fonts",
    "fc_match",
    "report_families",
    "stylesheet_families",
]

REPORT_STYLESHEET = Path(__file__).resolve().parent.parent / "static" / "report.css"

#: Every font family the report uses, with the Debian package that installs it. Each of these
#: packages must be in scripts/install-system-deps.sh (a test checks it).
FONT_PACKAGES = {
    "Liberation Sans": "fonts-liberation2",  # English text (Arial's metrics)
    "Noto Sans CJK SC": "fonts-noto-cjk",  # Chinese text
    "DejaVu Sans": "fonts-dejavu-core",  # symbols the others lack (✔ ❤ as text): sans-serif
    "Noto Color Emoji": "fonts-noto-color-emoji",  # emoji in comments and text answers
}

#: Families the report relies on without naming them in report.css (see the module's doc).
FALLBACK_FAMILIES = ("Noto Color Emoji",)

#: CSS generic families and keywords: fontconfig maps them to installed fonts itself.
GENERIC = frozenset(
    {"serif", "sans-serif", "monospace", "cursive", "fantasy", "system-ui", "emoji", "math"}
    | {"ui-sans-serif", "ui-serif", "ui-monospace", "inherit", "initial", "unset", "revert"}
)

_DECLARATION = re.compile(r"font-family\s*:\s*([^;}]+)", re.IGNORECASE)
_COMMENT = re.compile(r"/\*.*?\*/", re.DOTALL)


def stylesheet_families(css: str) -> list[str]:
    """The font families named in `css`'s font-family declarations, in order of first
    appearance, without generic families."""
    found: list[str] = []
    for declaration in _DECLARATION.findall(_COMMENT.sub("", css)):
        value = re.sub(r"!\s*important", "", declaration)
        for name in value.split(","):
            family = name.strip().strip("\"'").strip()
            if family and family.lower() not in GENERIC and family not in found:
                found.append(family)
    return found


def report_families() -> list[str]:
    """Every family the PDF report depends on: those report.css names, then the fallbacks."""
    named = stylesheet_families(REPORT_STYLESHEET.read_text(encoding="utf-8"))
    return named + [family for family in FALLBACK_FAMILIES if family not in named]


class FontconfigMissing(RuntimeError):
    """fc-match is not installed, so fonts cannot be checked (Debian package fontconfig)."""


def fc_match(family: str) -> list[str]:
    """The family names of the font fontconfig picks for `family` (its first choice)."""
    program = shutil.which("fc-match")
    if program is None:
        raise FontconfigMissing(
            "fc-match is not installed: install the Debian package 'fontconfig'"
            " (scripts/install-system-deps.sh installs it)"
        )
    out = subprocess.run(
        [program, "--format=%{family}", family],
        capture_output=True,
        text=True,
        check=True,
        timeout=30,
    ).stdout
    return [name.strip() for name in out.split(",") if name.strip()]


def check_report_fonts(
    families: Iterable[str] | None = None,
    *,
    packages: dict[str, str] | None = None,
    match: Callable[[str], list[str]] | None = None,
) -> list[str]:
    """Problems with the report's fonts on this machine, one sentence each (empty: all good).

    Each missing font names the Debian package that installs it; a family with no known
    package is a problem too (add it to `FONT_PACKAGES` and the install script). `match`
    (default `fc_match`) says which families a name resolves to.
    """
    packages = FONT_PACKAGES if packages is None else packages
    match = fc_match if match is None else match
    problems = []
    for family in report_families() if families is None else families:
        package = packages.get(family)
        if package is None:
            problems.append(
                f"the report uses the font {family!r}, but no Debian package is known for it:"
                " add it to FONT_PACKAGES in assessment/report/fonts.py and the package to"
                " scripts/install-system-deps.sh"
            )
            continue
        got = match(family)
        if family.casefold() not in {name.casefold() for name in got}:
            problems.append(
                f"the report's font {family!r} is not installed (fontconfig falls back to"
                f" {', '.join(got) or 'nothing'!r}): install the Debian package {package!r}"
                " (scripts/install-system-deps.sh installs it)"
            )
    return problems


def main() -> int:
    """``python -m assessment.report.fonts``: print each problem; exit status 1 if any."""
    problems = check_report_fonts()
    for problem in problems:
        print(problem)
    return 1 if problems else 0


if __name__ == "__main__":
    raise SystemExit(main())

#!/usr/bin/env bash
# Installs the Debian/Ubuntu packages Partnership Check needs, when they are missing.
#   scripts/install-system-deps.sh run    WeasyPrint's libraries and the Chinese fonts
#   scripts/install-system-deps.sh test   the same, plus poppler-utils, Chromium and Node.js
# As root it uses apt-get; otherwise sudo when that works without a prompt; otherwise
# it stops and prints the exact command to run.
set -euo pipefail

group=${1:-test}
# WeasyPrint's text libraries (libharfbuzz-subset0: without it every PDF takes twice as long),
# fontconfig (fc-match: the report's font check), and every font the report and the pages use:
# Liberation Sans (English), Noto Sans CJK SC (Chinese), DejaVu Sans (symbols; named here
# because fontconfig's own dependency may be met by another font), Noto Color Emoji (emoji).
# assessment/report/fonts.py maps each font to its package; tests/test_report_fonts.py checks.
packages=(libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fontconfig
  fonts-liberation2 fonts-noto-cjk fonts-dejavu-core fonts-noto-color-emoji)
if [ "$group" = "test" ]; then
  # pdftoppm, pdfinfo and pdffonts read the PDFs back; Chromium runs the browser tests, driven
  # by Playwright's own Node.js, which needs libatomic1 (absent from a minimal Debian 12).
  packages+=(poppler-utils chromium libatomic1)
  # Node.js and npm run the OpenID provider of the single sign-on tests (tests/oidc/, the npm
  # package oidc-provider; version 8 supports Debian 12's Node.js 18). A Node.js installed
  # otherwise (NodeSource's nodejs package, which brings its own npm) is used as it is.
  if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
    packages+=(nodejs npm)
  fi
fi
python=${PYTHON:-python3}
if ! "$python" -c "import ensurepip, venv" >/dev/null 2>&1; then
  packages+=(python3-venv)
fi

missing=()
for package in "${packages[@]}"; do
  status=$(dpkg-query -W -f='${Status}' "$package" 2>/dev/null || true)
  [ "$status" = "install ok installed" ] || missing+=("$package")
done
[ ${#missing[@]} -eq 0 ] && exit 0

command="apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends ${missing[*]}"
echo "Installing system packages: ${missing[*]}"
if [ "$(id -u)" -eq 0 ]; then
  sh -c "$command"
elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
  sudo sh -c "$command"
else
  echo "These system packages are missing: ${missing[*]}" >&2
  echo "Install them as root, then run make again:" >&2
  echo "  sudo sh -c '$command'" >&2
  exit 1
fi

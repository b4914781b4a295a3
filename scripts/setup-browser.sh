#!/usr/bin/env bash
# Installs Debian's `chromium` when it is missing: the playground's browser tests
# (test/playground/*.browser.test.ts) drive it with playwright-core, and skip,
# saying why, where no chromium is found (under CI=true a missing browser fails).
# CI (.ci/run) calls this before `npm test`. Needs root (or sudo) and apt-get.
# OVSIM_CHROMIUM overrides the browser's path for the tests.
set -euo pipefail
for bin in "${OVSIM_CHROMIUM:-}" chromium chromium-browser; do
  if [ -n "$bin" ] && command -v "$bin" >/dev/null 2>&1; then
    echo "setup-browser: $("$bin" --version 2>/dev/null | head -1)"
    exit 0
  fi
done
SUDO=""
if [ "$(id -u)" -ne 0 ] && command -v sudo >/dev/null 2>&1; then SUDO="sudo"; fi
$SUDO apt-get update
$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends chromium
chromium --version | head -1

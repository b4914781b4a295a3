#!/usr/bin/env bash
# Installs tshark (Wireshark's command-line decoder, Debian's `tshark` package)
# when it is missing: test/sim/host-scenarios.test.ts decodes the simulation's
# pcap files with it (and skips, saying why, where tshark is absent).
# CI (.ci/run) calls this before `npm test`. Needs root (or sudo) and apt-get.
set -euo pipefail
if command -v tshark >/dev/null 2>&1; then
  echo "setup-tshark: $(tshark --version 2>/dev/null | head -1)"
  exit 0
fi
SUDO=""
if [ "$(id -u)" -ne 0 ] && command -v sudo >/dev/null 2>&1; then SUDO="sudo"; fi
# Non-interactive: tshark's debconf question (wireshark-common/install-setuid) keeps its default.
$SUDO apt-get update
$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y tshark
tshark --version | head -1

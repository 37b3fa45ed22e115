#!/usr/bin/env bash
# Installs headless Chromium and its WebDriver from the Debian packages when they are
# missing, for the dashboard's browser test. Needs root (or passwordless sudo) and apt-get.
set -euo pipefail
if command -v chromium >/dev/null && command -v chromedriver >/dev/null; then
	exit 0
fi
sudo=""
if [[ $(id -u) -ne 0 ]]; then sudo="sudo -n"; fi
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get install -y -q chromium chromium-driver || {
	$sudo apt-get update -q
	$sudo apt-get install -y -q chromium chromium-driver
}

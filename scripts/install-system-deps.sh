#!/bin/sh
# The tests drive the daemon with real socat and real git; install them
# from Debian's packages when this machine lacks them.
set -eu
missing=""
for tool in socat git; do
  command -v "$tool" >/dev/null 2>&1 || missing="$missing $tool"
done
[ -z "$missing" ] && exit 0
sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
$sudo apt-get update -qq
# shellcheck disable=SC2086
$sudo apt-get install -y -qq $missing

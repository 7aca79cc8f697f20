#!/usr/bin/env bash
# Debian packages behind the tests' real services, installed where missing: D-Bus and
# gnome-keyring (the Secret Service), libnotify-bin (notifications), fonts-noto-cjk (Korean
# text in the window tests and screenshots), fonts-noto-color-emoji (emoji measured in the
# window tests, and drawn in the screenshots), a real X11 desktop with a system tray for the
# tray's Quit (xvfb, trayer, xdotool, and the X11 libraries Qt's xcb platform loads), prosody
# (the benchmark beside Prosody starts one of its own; the package's service is never used)
# and, when no PostgreSQL answers on 127.0.0.1:5432, its server binaries (the tests then start
# a throwaway server).
# Installs as root; otherwise it names what to install. It never fails the run: the tests that
# need a missing service are skipped with that reason.
set -uo pipefail

wanted=(dbus gnome-keyring libnotify-bin fonts-noto-cjk fonts-noto-color-emoji
  xvfb trayer xdotool libx11-xcb1 libxcb-cursor0 libxcb-icccm4 libxcb-keysyms1 libxcb-randr0
  libxcb-shape0 libxcb-sync1 libxcb-xfixes0 libxkbcommon-x11-0 prosody)
if ! (exec 3<>/dev/tcp/127.0.0.1/5432) 2>/dev/null &&
  ! command -v initdb >/dev/null 2>&1 && ! compgen -G '/usr/lib/postgresql/*/bin/initdb' >/dev/null; then
  wanted+=(postgresql)
fi

if ! command -v dpkg >/dev/null 2>&1; then
  echo "tests: not a Debian system; tests of services that are missing here are skipped" \
    "(they need: ${wanted[*]})" >&2
  exit 0
fi

missing=()
for p in "${wanted[@]}"; do
  dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p")
done
((${#missing[@]})) || exit 0

if [[ $(id -u) -ne 0 ]]; then
  echo "tests: missing Debian packages ${missing[*]}; their tests are skipped." \
    "To run them: sudo apt-get install ${missing[*]}" >&2
  exit 0
fi

echo "tests: installing ${missing[*]}" >&2
if ! { apt-get update -qq &&
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}"; } \
  >/dev/null; then
  echo "tests: could not install ${missing[*]}; their tests are skipped" >&2
fi
exit 0

#!/usr/bin/env python3
"""Structural checks of flatpak/org.jamnet.JamNet.json (building it needs
the GNOME runtime, which these machines cannot download)."""
import json
import sys

path = sys.argv[1]
checks = []

def check(ok, what):
    checks.append((bool(ok), what))

with open(path) as f:
    m = json.load(f)

check(m.get("id") == "org.jamnet.JamNet", "the id is the app id")
check(m.get("runtime") == "org.gnome.Platform" and m.get("sdk") == "org.gnome.Sdk", "GNOME runtime and SDK")
check(str(m.get("runtime-version", "")).isdigit() and int(m["runtime-version"]) >= 44,
      "a runtime with GTK 4 and libadwaita 1.2 or newer")
check(m.get("command") == "jamnet", "runs jamnet")
args = m.get("finish-args", [])
for needed in ["--share=network", "--socket=wayland", "--socket=fallback-x11", "--device=dri",
               "--filesystem=xdg-run/pipewire-0", "--share=ipc", "--system-talk-name=org.freedesktop.Avahi"]:
    check(needed in args, "finish-args has " + needed)
# nothing more than a jam app needs
for forbidden in ["--filesystem=home", "--filesystem=host", "--socket=session-bus", "--socket=system-bus"]:
    check(forbidden not in args, "finish-args avoids " + forbidden)
check(len(args) == len(set(args)), "no finish-arg twice")
mods = m.get("modules", [])
check(len(mods) >= 1 and mods[-1].get("name") == "jamnet" and mods[-1].get("buildsystem") == "meson",
      "the last module builds JamNet with meson")
check("-Dgui=enabled" in mods[-1].get("config-opts", []), "the app is built")
# libraries the GNOME runtime lacks or builds without what JamNet uses,
# each from a release tarball pinned by its checksum
by_name = {mod.get("name"): mod for mod in mods}
for lib in ["libsodium", "libnice", "opus"]:
    sources = by_name.get(lib, {}).get("sources", [])
    check(sources and all(len(src.get("sha256", "")) == 64 for src in sources),
          lib + " is built from a pinned release")
check("--enable-custom-modes" in by_name.get("opus", {}).get("config-opts", []),
      "opus is built with custom modes (the session codec)")

print("1..%d" % len(checks))
for i, (ok, what) in enumerate(checks, 1):
    print("%s %d %s" % ("ok" if ok else "not ok", i, what))
sys.exit(0 if all(ok for ok, _ in checks) else 1)

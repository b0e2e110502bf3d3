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
# GNOME keeps its two newest runtimes: 50 and 51 in December 2026 (README,
# "Flatpak"); 47 stopped getting updates in October 2025
check(str(m.get("runtime-version", "")).isdigit() and int(m["runtime-version"]) >= 50,
      "a runtime that still gets updates (GNOME 50 or newer)")
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

# the metainfo the store shows: screenshots we have, the release we are
if len(sys.argv) > 3:
    import os
    import xml.etree.ElementTree as ET
    metainfo, version = sys.argv[2], sys.argv[3]
    shots_dir = os.path.join(os.path.dirname(metainfo), "screenshots")
    root = ET.parse(metainfo).getroot()
    shots = root.findall("./screenshots/screenshot")
    check(len(shots) >= 2 and sum(s.get("type") == "default" for s in shots) == 1,
          "the metainfo has screenshots, one of them the default")
    for shot in shots:
        image = shot.findtext("image") or ""
        name = image.rsplit("/", 1)[-1]
        check(image.startswith("https://") and os.path.isfile(os.path.join(shots_dir, name)),
              "screenshot %s is in data/screenshots" % name)
        check((shot.findtext("caption") or "").strip() != "", "screenshot %s has a caption" % name)
    releases = root.findall("./releases/release")
    check(releases and releases[0].get("version") == version,
          "the newest release in the metainfo is the project's version, " + version)
    check(releases and releases[0].find("description") is not None, "it has release notes")
    chat = root.find("./content_rating/content_attribute[@id='social-chat']")
    check(chat is not None and chat.text == "intense",
          "OARS says players chat with whoever joins (unmoderated text chat)")

print("1..%d" % len(checks))
for i, (ok, what) in enumerate(checks, 1):
    print("%s %d %s" % ("ok" if ok else "not ok", i, what))
sys.exit(0 if all(ok for ok, _ in checks) else 1)

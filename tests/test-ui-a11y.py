#!/usr/bin/env python3
"""Every control in the app's GtkBuilder templates has a name a screen
reader says: a label of its own, an accessible label, or a relation to
the label that names it (TAP)."""
import sys
import xml.etree.ElementTree as ET

CONTROLS = {"GtkButton", "GtkMenuButton", "GtkToggleButton", "GtkSwitch", "GtkScale",
            "GtkSpinButton", "GtkCheckButton", "GtkEntry", "GtkPasswordEntry", "GtkDropDown",
            "JnLevelMeter"}
checks = []
for path in sys.argv[1:]:
    root = ET.parse(path).getroot()
    for obj in root.iter("object"):
        cls = obj.get("class")
        if cls not in CONTROLS:
            continue
        props = {p.get("name"): (p.text or "") for p in obj.findall("property")}
        a11y = obj.find("accessibility")
        named = (props.get("label", "").strip() != "" or
                 (a11y is not None and
                  (any(p.get("name") == "label" and (p.text or "").strip() for p in a11y.findall("property")) or
                   any(r.get("name") == "labelled-by" for r in a11y.findall("relation")))))
        what = "%s %s in %s" % (cls, obj.get("id") or "(no id)", path.rsplit("/", 1)[-1])
        checks.append((named, what))
print("1..%d" % len(checks))
for i, (ok, what) in enumerate(checks, 1):
    print("%s %d %s has a name for screen readers" % ("ok" if ok else "not ok", i, what))
sys.exit(0 if all(ok for ok, _ in checks) else 1)

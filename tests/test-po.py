#!/usr/bin/env python3
# The translation pipeline (TAP): po/jamnet.pot is current (xgettext over
# POTFILES.in gives the same messages), POTFILES.in lists every source with
# a translatable string, and every language in LINGUAS is complete and
# valid (msgfmt --check, no fuzzy or untranslated messages).
#   test-po.py SOURCE_ROOT
import os
import re
import subprocess
import sys
import tempfile

root = sys.argv[1]
po = os.path.join(root, 'po')
tests = []


def ok(passed, what, detail=''):
    tests.append(passed)
    print('%sok %d - %s%s' % ('' if passed else 'not ', len(tests), what, (' # ' + detail) if detail else ''))
    sys.stdout.flush()


def msgids(path):
    text = open(path, encoding='utf-8').read()
    found = set()
    for entry in text.split('\n\n'):
        ctx = re.search(r'^msgctxt "(.*)"$', entry, re.M)
        m = re.search(r'^msgid ((?:".*"\n?)+)', entry, re.M)
        if m is None:
            continue
        mid = ''.join(re.findall(r'"(.*)"', m.group(1)))
        if mid:
            found.add((ctx.group(1) + '\x04' if ctx else '') + mid)
    return found


# meson's i18n 'glib' preset
keywords = ['_', 'N_', 'C_:1c,2', 'NC_:1c,2', 'g_dcgettext:2', 'g_dngettext:2,3', 'g_dpgettext2:2c,3']
flags = ['N_:1:pass-c-format', 'C_:2:pass-c-format', 'NC_:2:pass-c-format', 'g_dngettext:2:pass-c-format',
         'g_strdup_printf:1:c-format', 'g_string_printf:2:c-format', 'g_string_append_printf:2:c-format',
         'g_error_new:3:c-format', 'g_set_error:4:c-format', 'g_markup_printf_escaped:1:c-format',
         'g_log:3:c-format', 'g_print:1:c-format', 'g_printerr:1:c-format', 'g_printf:1:c-format',
         'g_fprintf:2:c-format', 'g_sprintf:2:c-format', 'g_snprintf:3:c-format']
with tempfile.TemporaryDirectory() as tmp:
    cmd = ['xgettext', '--package-name=jamnet', '-p', tmp, '-o', 'jamnet.pot', '-D', root,
           '-f', os.path.join(po, 'POTFILES.in'), '--from-code=UTF-8', '--add-comments']
    cmd += ['--keyword=' + k for k in keywords] + ['--flag=' + f for f in flags]
    run = subprocess.run(cmd, capture_output=True, text=True)
    fresh = msgids(os.path.join(tmp, 'jamnet.pot')) if run.returncode == 0 else set()
    committed = msgids(os.path.join(po, 'jamnet.pot'))
    new, gone = sorted(fresh - committed), sorted(committed - fresh)
    ok(run.returncode == 0 and not new and not gone,
       'po/jamnet.pot is current (regenerate with: ninja -C _build jamnet-pot)',
       '%d messages' % len(committed) if not new and not gone else
       'new: %s; gone: %s' % ('; '.join(new[:5]), '; '.join(gone[:5])))
    ok('not a valid C format string' not in run.stderr,
       'xgettext sees whole format strings', run.stderr.strip().split('\n')[0] if run.stderr.strip() else '')

listed = set(l.strip() for l in open(os.path.join(po, 'POTFILES.in')) if l.strip() and not l.startswith('#'))
unlisted = []
for top in ('src',):
    for dirpath, _, files in os.walk(os.path.join(root, top)):
        for f in files:
            if f.endswith('.c'):
                path = os.path.relpath(os.path.join(dirpath, f), root)
                if re.search(r'\b_\s*\("', open(os.path.join(root, path), encoding='utf-8').read()) and \
                   path not in listed:
                    unlisted.append(path)
ok(not unlisted, 'POTFILES.in lists every source with translatable strings', ', '.join(unlisted))

langs = [l.strip() for l in open(os.path.join(po, 'LINGUAS')) if l.strip() and not l.startswith('#')]
ok(len(langs) >= 1, 'at least one translation', ', '.join(langs))
for lang in langs:
    path = os.path.join(po, lang + '.po')
    run = subprocess.run(['msgfmt', '--check', '--statistics', '-o', os.devnull, path],
                         capture_output=True, text=True, env=dict(os.environ, LC_ALL='C'))
    stats = run.stderr.strip()
    missing = sorted(committed - msgids(path)) if os.path.exists(path) else ['(no file)']
    ok(run.returncode == 0 and 'untranslated' not in stats and 'fuzzy' not in stats and not missing,
       '%s is valid and complete' % lang, stats + ('; missing: ' + '; '.join(missing[:5]) if missing else ''))

print('1..%d' % len(tests))
sys.exit(0 if all(tests) else 1)

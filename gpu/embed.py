#!/usr/bin/env python3
# Writes a C header holding a text file as a string constant:
#   embed.py INPUT OUTPUT NAME
import sys

src, dst, name = sys.argv[1:4]
with open(src, encoding='utf-8') as f:
    text = f.read()
with open(dst, 'w', encoding='utf-8') as f:
    f.write('/* generated from %s by embed.py */\n' % src.split('/')[-1])
    f.write('static const char %s[] =\n' % name)
    for line in text.splitlines(True):
        f.write('  "%s"\n' % line.replace('\\', '\\\\').replace('"', '\\"').replace('\n', '\\n'))
    f.write(';\n')

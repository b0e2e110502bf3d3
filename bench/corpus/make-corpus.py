#!/usr/bin/env python3
"""Renders the PLC evaluation corpus: short musical phrases for eight General
MIDI instruments, played by fluidsynth through Debian's FluidR3_GM soundfont,
as 48 kHz mono 16-bit WAV files.

    bench/corpus/make-corpus.py OUTDIR [--seconds 12]

Needs the Debian packages fluidsynth and fluid-soundfont-gm.  The phrases are
generated from a fixed seed, so the same soundfont and fluidsynth version give
the same audio.
"""
import argparse
import os
import random
import struct
import subprocess
import sys
import tempfile
import wave

SOUNDFONT = "/usr/share/sounds/sf2/FluidR3_GM.sf2"
TICKS = 480           # per quarter note
TEMPO_US = 500000     # 120 BPM

# name, GM program (0-based), channel, style
INSTRUMENTS = [
    ("piano", 0, 0, "chords+melody"),
    ("guitar", 24, 0, "arpeggio"),
    ("bass", 33, 0, "bass"),
    ("strings", 48, 0, "pad"),
    ("brass", 61, 0, "melody"),
    ("drums", 0, 9, "drums"),
    ("choir", 52, 0, "pad"),
    ("flute", 73, 0, "melody"),
]

SCALE = [0, 2, 4, 5, 7, 9, 11]
PROGRESSION = [0, 5, 3, 4]  # I vi IV V in scale degrees


def vlq(n):
    out = [n & 0x7F]
    n >>= 7
    while n:
        out.insert(0, 0x80 | (n & 0x7F))
        n >>= 7
    return bytes(out)


def chord(root_degree, base):
    return [base + SCALE[(root_degree + k) % 7] + 12 * ((root_degree + k) // 7) for k in (0, 2, 4)]


def phrase(style, seconds, rng):
    """Returns (tick, status, data1, data2) events."""
    events = []
    beats = int(seconds * 2)  # 120 BPM
    if style == "drums":
        for b in range(beats * 2):  # eighth notes
            t = b * TICKS // 2
            events.append((t, 0x99, 42, 70 + rng.randint(0, 30)))  # closed hat
            events.append((t + 60, 0x89, 42, 0))
            if b % 4 == 0:
                events.append((t, 0x99, 36, 110))
                events.append((t + 120, 0x89, 36, 0))
            if b % 4 == 2:
                events.append((t, 0x99, 38, 100 + rng.randint(0, 20)))
                events.append((t + 120, 0x89, 38, 0))
            if b % 16 == 15:
                events.append((t, 0x99, 49, 90))
                events.append((t + 400, 0x89, 49, 0))
        return events
    for bar in range(beats // 4):
        degree = PROGRESSION[bar % 4]
        t0 = bar * 4 * TICKS
        if style in ("pad", "chords+melody"):
            for n in chord(degree, 60 if style == "pad" else 48):
                events.append((t0, 0x90, n, 70))
                events.append((t0 + 4 * TICKS - 20, 0x80, n, 0))
        if style == "bass":
            root = 36 + SCALE[degree]
            for q in range(4):
                n = root + (7 if q == 2 else 0) + (12 if rng.random() < 0.2 else 0)
                events.append((t0 + q * TICKS, 0x90, n, 95))
                events.append((t0 + q * TICKS + TICKS - 40, 0x80, n, 0))
        if style == "arpeggio":
            notes = chord(degree, 52) + [chord(degree, 64)[0]]
            for e in range(8):
                n = notes[e % 4]
                events.append((t0 + e * TICKS // 2, 0x90, n, 80 + rng.randint(0, 20)))
                events.append((t0 + e * TICKS // 2 + TICKS - 10, 0x80, n, 0))
        if style in ("melody", "chords+melody"):
            t = t0
            while t < t0 + 4 * TICKS:
                length = rng.choice([TICKS // 2, TICKS // 2, TICKS, TICKS * 3 // 2])
                deg = degree + rng.choice([0, 2, 4, 1, 3, 5, 7])
                n = 72 + SCALE[deg % 7] + 12 * (deg // 7) - (12 if style == "melody" and rng.random() < 0.5 else 0)
                events.append((t, 0x90, n, 85 + rng.randint(0, 25)))
                events.append((min(t + length - 15, t0 + 4 * TICKS - 5), 0x80, n, 0))
                t += length
    return events


def write_midi(path, program, channel, events):
    track = bytearray()
    track += vlq(0) + bytes([0xFF, 0x51, 3]) + TEMPO_US.to_bytes(3, "big")
    if channel != 9:
        track += vlq(0) + bytes([0xC0 | channel, program])
        track += vlq(0) + bytes([0xB0 | channel, 91, 40])  # some reverb
    last = 0
    for tick, status, d1, d2 in sorted(events, key=lambda e: (e[0], e[1] & 0xF0 != 0x80)):
        status = (status & 0xF0) | channel
        track += vlq(tick - last) + bytes([status, d1, d2])
        last = tick
    track += vlq(TICKS) + bytes([0xFF, 0x2F, 0])
    with open(path, "wb") as f:
        f.write(b"MThd" + struct.pack(">IHHH", 6, 0, 1, TICKS))
        f.write(b"MTrk" + struct.pack(">I", len(track)) + track)


def to_mono(stereo_path, mono_path, seconds):
    with wave.open(stereo_path, "rb") as w:
        assert w.getsampwidth() == 2
        channels, rate = w.getnchannels(), w.getframerate()
        data = w.readframes(w.getnframes())
    samples = struct.unpack("<%dh" % (len(data) // 2), data)
    frames = min(len(samples) // channels, int(seconds * rate))
    mono = [int(sum(samples[i * channels:(i + 1) * channels]) / channels) for i in range(frames)]
    with wave.open(mono_path, "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes(struct.pack("<%dh" % len(mono), *mono))


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("outdir")
    parser.add_argument("--seconds", type=float, default=12.0)
    parser.add_argument("--only", help="render just this instrument")
    parser.add_argument("--seed-offset", type=int, default=0,
                        help="other phrases (e.g. a training corpus apart from the evaluation one)")
    args = parser.parse_args()

    if not os.path.exists(SOUNDFONT):
        sys.exit("%s is missing: apt-get install fluid-soundfont-gm fluidsynth" % SOUNDFONT)
    os.makedirs(args.outdir, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        for i, (name, program, channel, style) in enumerate(INSTRUMENTS):
            if args.only and name != args.only:
                continue
            rng = random.Random(1000 + i + 7919 * args.seed_offset)
            mid = os.path.join(tmp, name + ".mid")
            stereo = os.path.join(tmp, name + "-stereo.wav")
            write_midi(mid, program, channel, phrase(style, args.seconds, rng))
            subprocess.run(["fluidsynth", "-ni", "-q", "-g", "0.5", "-r", "48000", "-T", "wav",
                            "-F", stereo, SOUNDFONT, mid], check=True,
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            out = os.path.join(args.outdir, name + ".wav")
            to_mono(stereo, out, args.seconds)
            print(out)


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""Renders the PLC evaluation corpus as 48 kHz mono 16-bit WAV files.

    bench/corpus/make-corpus.py OUTDIR [--seconds 12] [--only NAME] [--seed-offset N]
                                       [--fluidr3-only]

Three kinds of clip (docs/pnbtr.md, "Corpus", lists them with sources and
licences; OUTDIR/SOURCES.txt says the same for the clips made):

- eight General MIDI phrases through Debian's FluidR3_GM soundfont
  (piano.wav ... flute.wav: the corpus PNBTR was first tuned on);
- the same phrases for other instruments through two other soundfonts,
  TimGM6mb and MuseScore General Lite (timgm-*.wav, musescore-*.wav);
- recordings (rec-*.wav): recorded guitar, drum breaks, tabla, percussion,
  a choir, a piano with a drone, from Sonic Pi's CC0 samples, and a drum
  pattern played with the recorded hits of Hydrogen's Colombo acoustic kit.

jamnet-bench plc-suite reports the recorded clips (rec-*) apart from the
synthesized ones.  Needs fluidsynth and fluid-soundfont-gm; the other
soundfonts, the recordings and sox (which decodes and resamples them) are
made when their Debian packages are installed (timgm6mb-soundfont,
musescore-general-soundfont-small, sonic-pi-samples, hydrogen-drumkits,
sox), and named as missing otherwise.  The phrases come from fixed seeds,
so the same packages give the same audio.
"""
import argparse
import math
import os
import random
import shutil
import struct
import subprocess
import sys
import tempfile
import wave

SOUNDFONT = "/usr/share/sounds/sf2/FluidR3_GM.sf2"
# other soundfonts: prefix, path, package, licence, instruments (as below)
OTHER_SOUNDFONTS = [
    ("timgm", "/usr/share/sounds/sf2/TimGM6mb.sf2", "timgm6mb-soundfont", "GPL-2",
     [("piano", 0, 0, "chords+melody"), ("epiano", 4, 0, "pad"),
      ("strings", 48, 0, "pad"), ("drums", 0, 9, "drums")]),
    ("musescore", "/usr/share/sounds/sf3/MuseScore_General_Lite.sf3",
     "musescore-general-soundfont-small", "MIT",
     [("guitar", 25, 0, "arpeggio"), ("organ", 19, 0, "chords+melody"),
      ("choir", 52, 0, "pad"), ("sax", 65, 0, "melody")]),
]
SONIC_PI = "/usr/share/sonic-pi/samples"
COLOMBO = "/usr/share/hydrogen/data/drumkits/ColomboAcousticDrumkit"
SONIC_PI_SOURCE = ("Sonic Pi samples (Debian sonic-pi-samples), from freesound.org, CC0 1.0")
COLOMBO_SOURCE = ("Hydrogen's ColomboAcousticDrumkit (Debian hydrogen-drumkits), "
                  "Marcos Guglielmetti 2006, GPL-2+ with composition exception")
# recorded clips: name, what it is, how it is made, source
RECORDINGS = [
    ("rec-guitar-chord", "a guitar's Em9, strummed and left to ring",
     ["guit_em9"], SONIC_PI_SOURCE),
    ("rec-guitar-phrases", "electric guitar: fifths, a slide, harmonics",
     ["guit_e_fifths", "guit_e_slide", "guit_harmonics"], SONIC_PI_SOURCE),
    ("rec-drums-amen", "the amen drum break, looped twice",
     ["loop_amen_full", "loop_amen_full"], SONIC_PI_SOURCE),
    ("rec-tabla", "a tabla loop", ["loop_tabla"], SONIC_PI_SOURCE),
    ("rec-percussion", "hand percussion loops", ["loop_compus", "loop_safari"],
     SONIC_PI_SOURCE),
    ("rec-choir", "a choir chord, entries overlapping like an ensemble's",
     "choir", SONIC_PI_SOURCE),
    ("rec-piano-drone", "a piano phrase, then a drone, twice",
     ["ambi_piano", "ambi_drone", "ambi_piano", "ambi_drone"], SONIC_PI_SOURCE),
    ("rec-drumkit", "the drum pattern of drums.wav played with an acoustic kit's hits",
     "kit", COLOMBO_SOURCE),
]
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


def render(soundfont, program, channel, style, seconds, rng, tmp, out):
    mid = os.path.join(tmp, "phrase.mid")
    stereo = os.path.join(tmp, "phrase-stereo.wav")
    write_midi(mid, program, channel, phrase(style, seconds, rng))
    subprocess.run(["fluidsynth", "-ni", "-q", "-g", "0.5", "-r", "48000", "-T", "wav",
                    "-F", stereo, soundfont, mid], check=True,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    to_mono(stereo, out, seconds)


def load_mono48(path, tmp):
    """A sound file as 48 kHz mono floats, through sox (no dither)."""
    wav = os.path.join(tmp, "decoded.wav")
    subprocess.run(["sox", "-D", path, "-b", "16", "-c", "1", wav, "rate", "-v", "48000"],
                   check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    with wave.open(wav, "rb") as w:
        data = w.readframes(w.getnframes())
    return [v / 32768.0 for v in struct.unpack("<%dh" % (len(data) // 2), data)]


def write_mono(path, samples):
    peak = max(1e-9, max(abs(v) for v in samples))
    gain = min(1.0, 0.89 / peak)   # at most -1 dBFS: a mix of hits may sum past full scale
    with wave.open(path, "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(48000)
        w.writeframes(struct.pack("<%dh" % len(samples),
                                  *[max(-32768, min(32767, int(round(v * gain * 32767)))) for v in samples]))


def place(mix, sound, at, gain=1.0):
    for i, v in enumerate(sound):
        if at + i >= len(mix):
            break
        mix[at + i] += gain * v


def drumkit(seconds, rng, tmp):
    """drums.wav's pattern (closed hats in eighths, kick on 1, snare on 3 of
    each half bar, a crash every 8th beat) with the Colombo kit's hits."""
    hit = {k: load_mono48(os.path.join(COLOMBO, f), tmp) for k, f in [
        ("hat", "hihat-closed-1.flac"), ("hat2", "hihat-closed-4.flac"),
        ("kick", "bassdrum-4mics-br-stereo-normal3.flac"),
        ("snare", "snare-opaque-normal-mic-normal_shot2.flac"), ("crash", "crash16i__crash1.flac")]}
    mix = [0.0] * int(seconds * 48000)
    eighth = 12000   # 120 BPM
    for b in range(int(seconds * 4)):
        t = b * eighth
        place(mix, hit["hat" if b % 2 == 0 else "hat2"], t, 0.4 + 0.3 * rng.random())
        if b % 4 == 0:
            place(mix, hit["kick"], t, 0.9)
        if b % 4 == 2:
            place(mix, hit["snare"], t, 0.7 + 0.2 * rng.random())
        if b % 16 == 15:
            place(mix, hit["crash"], t, 0.6)
    return mix


def choir(seconds, tmp):
    """The 1.6 s recorded chord, entering every 0.9 s at slowly changing
    levels: a sustained ensemble texture."""
    chord = load_mono48(os.path.join(SONIC_PI, "ambi_choir.flac"), tmp)
    mix = [0.0] * int(seconds * 48000)
    for k in range(int(seconds / 0.9) + 1):
        place(mix, chord, int(k * 0.9 * 48000), 0.5 + 0.3 * math.sin(k * 0.7))
    return mix


def recording(name, parts, seconds, rng, tmp):
    if parts == "kit":
        return drumkit(seconds, rng, tmp)
    if parts == "choir":
        return choir(seconds, tmp)
    samples = []
    for part in parts:
        samples += load_mono48(os.path.join(SONIC_PI, part + ".flac"), tmp)
    return samples[:int(seconds * 48000)]


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("outdir")
    parser.add_argument("--seconds", type=float, default=12.0)
    parser.add_argument("--only", help="render just this clip (its name without .wav)")
    parser.add_argument("--seed-offset", type=int, default=0,
                        help="other phrases (e.g. a training corpus apart from the evaluation one)")
    parser.add_argument("--fluidr3-only", action="store_true",
                        help="only the eight FluidR3 phrases (the corpus before there were others)")
    args = parser.parse_args()

    if not os.path.exists(SOUNDFONT):
        sys.exit("%s is missing: apt-get install fluid-soundfont-gm fluidsynth" % SOUNDFONT)
    os.makedirs(args.outdir, exist_ok=True)
    sources = []
    missing = []
    wanted = lambda name: not args.only or args.only == name
    with tempfile.TemporaryDirectory() as tmp:
        for i, (name, program, channel, style) in enumerate(INSTRUMENTS):
            if not wanted(name):
                continue
            out = os.path.join(args.outdir, name + ".wav")
            render(SOUNDFONT, program, channel, style, args.seconds,
                   random.Random(1000 + i + 7919 * args.seed_offset), tmp, out)
            sources.append((name, "synthesized", "General MIDI %s" % style, "FluidR3_GM (Debian fluid-soundfont-gm), MIT"))
            print(out)
        for f, (prefix, path, package, licence, instruments) in enumerate(
                [] if args.fluidr3_only else OTHER_SOUNDFONTS):
            if not os.path.exists(path):
                missing.append("%s-* (apt-get install %s)" % (prefix, package))
                continue
            for i, (name, program, channel, style) in enumerate(instruments):
                clip = "%s-%s" % (prefix, name)
                if not wanted(clip):
                    continue
                out = os.path.join(args.outdir, clip + ".wav")
                # phrases of their own, not the FluidR3 clips' again
                render(path, program, channel, style, args.seconds,
                       random.Random(5000 + 100 * f + i + 7919 * args.seed_offset), tmp, out)
                sources.append((clip, "synthesized", "General MIDI %s" % style,
                                "%s (Debian %s), %s" % (os.path.basename(path), package, licence)))
                print(out)
        if not args.fluidr3_only:
            have_sox = shutil.which("sox") is not None
            for i, (name, what, parts, source) in enumerate(RECORDINGS):
                if not wanted(name):
                    continue
                folder = COLOMBO if parts == "kit" else SONIC_PI
                if not have_sox or not os.path.isdir(folder):
                    missing.append("%s (apt-get install sox %s)" % (
                        name, "hydrogen-drumkits" if parts == "kit" else "sonic-pi-samples"))
                    continue
                out = os.path.join(args.outdir, name + ".wav")
                write_mono(out, recording(name, parts, args.seconds,
                                          random.Random(9000 + i + 7919 * args.seed_offset), tmp))
                sources.append((name, "recorded", what, source))
                print(out)
    if not args.only:
        with open(os.path.join(args.outdir, "SOURCES.txt"), "w") as f:
            for name, kind, what, source in sources:
                f.write("%s.wav\t%s\t%s\t%s\n" % (name, kind, what, source))
    for m in missing:
        print("not made: %s" % m, file=sys.stderr)


if __name__ == "__main__":
    main()

/* test-packet.c: media datagram codec, round trips and hostile input
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <math.h>
#include <string.h>

#include "jn-error.h"
#include "jn-packet.h"

static JnPacketHeader
header_for (JnPacketKind kind)
{
  JnPacketHeader h = { 0 };

  h.kind = kind;
  h.sender_id = 0xA1B2C3D4;
  h.stream_id = 7;
  h.seq = 0xFFFFFFF0;
  h.timestamp_us = G_GUINT64_CONSTANT (0x0123456789ABCDEF);
  return h;
}

static void
check_header (const JnPacketHeader *a, const JnPacketHeader *b)
{
  g_assert_cmpint (a->kind, ==, b->kind);
  g_assert_cmpuint (a->sender_id, ==, b->sender_id);
  g_assert_cmpuint (a->stream_id, ==, b->stream_id);
  g_assert_cmpuint (a->seq, ==, b->seq);
  g_assert_cmpuint (a->timestamp_us, ==, b->timestamp_us);
}

static void
test_audio_roundtrip (void)
{
  static const JnSampleFormat formats[] = { JN_SAMPLE_S16, JN_SAMPLE_S24, JN_SAMPLE_F32 };
  static const guint frames[] = { 1, 32, 128, 480, 1024 };
  static const guint channels[] = { 1, 2, 8 };
  g_autofree guint8 *buf = g_malloc (JN_PACKET_MAX_SIZE);

  for (guint f = 0; f < G_N_ELEMENTS (formats); f++)
    for (guint n = 0; n < G_N_ELEMENTS (frames); n++)
      for (guint c = 0; c < G_N_ELEMENTS (channels); c++)
        {
          JnAudioFormat format = { 48000, frames[n], channels[c], formats[f] };
          JnPacketHeader h = header_for (JN_PACKET_AUDIO);
          gsize count = (gsize) frames[n] * channels[c];
          g_autofree float *in = g_new (float, count);
          g_autofree float *out = g_new (float, count);
          g_autoptr(GError) error = NULL;
          JnPacket packet;
          gsize size;
          double step = formats[f] == JN_SAMPLE_S16 ? 1.0 / 32768 :
                        formats[f] == JN_SAMPLE_S24 ? 1.0 / 8388608 : 0;

          for (gsize i = 0; i < count; i++)
            in[i] = (float) sin (i * 0.37) * 0.9f;
          in[0] = 1.0f;    /* full scale clamps to the largest code */
          in[count - 1] = -1.0f;

          size = jn_packet_encode_audio (buf, JN_PACKET_MAX_SIZE, &h, &format, in);
          g_assert_cmpuint (size, ==, JN_PACKET_HEADER_SIZE + JN_AUDIO_HEADER_SIZE +
                            count * jn_sample_format_bytes (formats[f]));
          g_assert_true (jn_packet_decode (buf, size, &packet, &error));
          g_assert_no_error (error);
          check_header (&packet.header, &h);
          g_assert_cmpuint (packet.audio.format.frames, ==, frames[n]);
          g_assert_cmpuint (packet.audio.format.channels, ==, channels[c]);
          g_assert_cmpint (packet.audio.format.format, ==, formats[f]);
          jn_packet_audio_to_float (&packet, out);
          /* half a quantization step, except +1.0 which clamps to the
           * largest code, one step below */
          for (gsize i = 0; i < count; i++)
            g_assert_cmpfloat_with_epsilon (out[i], in[i],
                                            step == 0 ? 1e-7 : i == 0 ? step * 1.01 : step * 0.51);
        }
}

static void
test_s16_exact (void)
{
  JnAudioFormat format = { 48000, 256, 1, JN_SAMPLE_S16 };
  JnPacketHeader h = header_for (JN_PACKET_AUDIO);
  guint8 buf[JN_PACKET_HEADER_SIZE + JN_AUDIO_HEADER_SIZE + 512];
  float in[256], out[256];
  JnPacket packet;
  gsize size;

  /* every s16 code survives decode -> encode -> decode unchanged */
  for (int base = -32768; base < 32768; base += 256)
    {
      for (int i = 0; i < 256; i++)
        in[i] = (base + i) / 32768.f;
      size = jn_packet_encode_audio (buf, sizeof buf, &h, &format, in);
      g_assert_true (jn_packet_decode (buf, size, &packet, NULL));
      jn_packet_audio_to_float (&packet, out);
      g_assert_cmpmem (in, sizeof in, out, sizeof out);
    }
}

static void
test_f32_hostile_samples (void)
{
  JnAudioFormat format = { 48000, 4, 1, JN_SAMPLE_F32 };
  JnPacketHeader h = header_for (JN_PACKET_AUDIO);
  guint8 buf[128];
  float in[4] = { 0.5f, 0.f, 0.f, 0.f }, out[4];
  guint32 nan_bits = 0x7FC00000, inf_bits = 0x7F800000;
  float big = 1e30f;
  JnPacket packet;
  gsize size = jn_packet_encode_audio (buf, sizeof buf, &h, &format, in);
  guint8 *samples = buf + JN_PACKET_HEADER_SIZE + JN_AUDIO_HEADER_SIZE;

  /* a hostile sender puts NaN, Inf and huge values on the wire */
  memcpy (samples + 4, &nan_bits, 4);
  memcpy (samples + 8, &inf_bits, 4);
  memcpy (samples + 12, &big, 4);
  g_assert_true (jn_packet_decode (buf, size, &packet, NULL));
  jn_packet_audio_to_float (&packet, out);
  g_assert_cmpfloat (out[0], ==, 0.5f);
  g_assert_cmpfloat (out[1], ==, 0.f);
  g_assert_cmpfloat (out[2], ==, 0.f);
  g_assert_cmpfloat (out[3], ==, 1.f);
}

static void
test_midi_roundtrip (void)
{
  static const guint8 messages[][3] = {
    { 0x90, 60, 100 }, { 0x80, 60, 0 }, { 0xA3, 61, 20 }, { 0xB0, 7, 127 },
    { 0xC5, 12, 0 }, { 0xDF, 90, 0 }, { 0xE1, 0x00, 0x40 },
  };
  JnMidiEvent events[JN_MIDI_MAX_EVENTS] = { 0 };
  guint8 buf[8192];
  JnPacketHeader h = header_for (JN_PACKET_MIDI);
  g_autoptr(GError) error = NULL;
  JnPacket packet;
  guint n = 0;
  gsize size;

  for (guint i = 0; i < G_N_ELEMENTS (messages); i++, n++)
    {
      jn_midi_event_init_short (&events[n], messages[i][0], messages[i][1], messages[i][2]);
      events[n].seq = 1000 + n;
      events[n].timestamp_us = 5000000 + n;
    }
  /* the largest SysEx allowed */
  events[n].data[0] = 0xF0;
  for (guint i = 1; i < JN_MIDI_SYSEX_MAX - 1; i++)
    events[n].data[i] = i & 0x7F;
  events[n].data[JN_MIDI_SYSEX_MAX - 1] = 0xF7;
  events[n].size = JN_MIDI_SYSEX_MAX;
  events[n].seq = 77;
  n++;

  size = jn_packet_encode_midi (buf, sizeof buf, &h, events, n);
  g_assert_cmpuint (size, >, 0);
  g_assert_true (jn_packet_decode (buf, size, &packet, &error));
  g_assert_no_error (error);
  check_header (&packet.header, &h);
  g_assert_cmpuint (packet.midi.n_events, ==, n);
  for (guint i = 0; i < n; i++)
    {
      g_assert_cmpuint (packet.midi.events[i].seq, ==, events[i].seq);
      g_assert_cmpuint (packet.midi.events[i].timestamp_us, ==, events[i].timestamp_us);
      g_assert_cmpmem (packet.midi.events[i].data, packet.midi.events[i].size,
                       events[i].data, events[i].size);
    }
}

static void
test_midi_invalid_events (void)
{
  static const struct { guint8 data[4]; gsize size; int code; } bad[] = {
    { { 0x3C, 100 }, 2, JN_PROTOCOL_ERROR_BAD_MIDI },           /* running status */
    { { 0x90, 60 }, 2, JN_PROTOCOL_ERROR_BAD_MIDI },            /* short note on */
    { { 0x90, 60, 100, 1 }, 4, JN_PROTOCOL_ERROR_BAD_MIDI },    /* long note on */
    { { 0x90, 0x80, 100 }, 3, JN_PROTOCOL_ERROR_BAD_MIDI },     /* data byte >= 0x80 */
    { { 0xF8 }, 1, JN_PROTOCOL_ERROR_BAD_MIDI },                /* unsupported system message */
    { { 0xF0, 1, 2 }, 3, JN_PROTOCOL_ERROR_BAD_MIDI },          /* SysEx without F7 */
    { { 0xF0, 0x90, 0xF7 }, 3, JN_PROTOCOL_ERROR_BAD_MIDI },    /* status inside SysEx */
  };
  guint8 big[JN_MIDI_SYSEX_MAX + 1];
  g_autoptr(GError) error = NULL;

  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_assert_false (jn_midi_event_validate (bad[i].data, bad[i].size, &error));
      g_assert_error (error, JN_PROTOCOL_ERROR, bad[i].code);
      g_clear_error (&error);
    }
  g_assert_false (jn_midi_event_validate (NULL, 0, &error));
  g_clear_error (&error);

  memset (big, 0x01, sizeof big);
  big[0] = 0xF0;
  big[sizeof big - 1] = 0xF7;
  g_assert_false (jn_midi_event_validate (big, sizeof big, &error));
  g_assert_error (error, JN_PROTOCOL_ERROR, JN_PROTOCOL_ERROR_SYSEX_TOO_LARGE);
}

static void
test_sync_and_bye (void)
{
  guint8 buf[64];
  JnPacketHeader h = header_for (JN_PACKET_SYNC_PONG);
  JnSyncPong pong = { 42, G_GUINT64_CONSTANT (111111111111), G_GUINT64_CONSTANT (222222222222) };
  JnPacket packet;
  gsize size;

  size = jn_packet_encode_pong (buf, sizeof buf, &h, &pong);
  g_assert_cmpuint (size, ==, JN_PACKET_HEADER_SIZE + JN_PONG_PAYLOAD_SIZE);
  g_assert_true (jn_packet_decode (buf, size, &packet, NULL));
  check_header (&packet.header, &h);
  g_assert_cmpuint (packet.pong.ping_seq, ==, 42);
  g_assert_cmpuint (packet.pong.t1_us, ==, pong.t1_us);
  g_assert_cmpuint (packet.pong.t2_us, ==, pong.t2_us);

  h.kind = JN_PACKET_SYNC_PING;
  size = jn_packet_encode_ping (buf, sizeof buf, &h);
  g_assert_cmpuint (size, ==, JN_PACKET_HEADER_SIZE);
  g_assert_true (jn_packet_decode (buf, size, &packet, NULL));
  g_assert_cmpint (packet.header.kind, ==, JN_PACKET_SYNC_PING);

  h.kind = JN_PACKET_BYE;
  size = jn_packet_encode_bye (buf, sizeof buf, &h);
  g_assert_true (jn_packet_decode (buf, size, &packet, NULL));
  g_assert_cmpint (packet.header.kind, ==, JN_PACKET_BYE);

  /* the encoder refuses a buffer that is too small */
  g_assert_cmpuint (jn_packet_encode_pong (buf, JN_PACKET_HEADER_SIZE + 3, &h, &pong), ==, 0);
}

static void expect_error (const guint8 *data, gsize size, int code);

static void
track (JnMidiJournalWriter *w, guint32 seq, guint8 status, guint8 d1, guint8 d2, gint64 t)
{
  JnMidiEvent e;

  memset (&e, 0, sizeof e);
  jn_midi_event_init_short (&e, status, d1, d2);
  e.seq = seq;
  jn_midi_journal_writer_track (w, &e, t);
}

/* A journal after a packet's events, and in a packet of its own: what it
 * says survives the wire; its size stays small; a hostile one is refused,
 * whole or in part, and never read past its end. */
static void
test_midi_journal (void)
{
  g_autofree JnMidiJournalWriter *w = g_new0 (JnMidiJournalWriter, 1);
  g_autofree JnPacket *packet = g_new0 (JnPacket, 1);
  guint8 journal[JN_MIDI_JOURNAL_MAX], buf[2048];
  JnPacketHeader h = header_for (JN_PACKET_MIDI);
  g_autoptr(GError) error = NULL;
  const JnMidiJournalChannel *ch;
  guint32 checkpoint;
  JnMidiEvent event;
  gsize jsize, size;

  /* ten notes held on one channel: 28 bytes (docs/protocol.md 3.3) */
  jn_midi_journal_writer_init (w);
  for (guint i = 0; i < 10; i++)
    track (w, i, 0x90, 60 + i, 100 + i, 1000);
  jsize = jn_midi_journal_writer_encode (w, NULL, 1000, journal, sizeof journal);
  g_assert_cmpuint (jsize, ==, 28);

  /* then the pedal, a bend and a program on channel 3; 200 ms later */
  track (w, 10, 0xB2, 64, 127, 2000);
  track (w, 11, 0xE2, 0x01, 0x40, 2000);
  track (w, 12, 0xC2, 5, 0, 2000);
  jsize = jn_midi_journal_writer_encode (w, NULL, 1000 + JN_MIDI_LATE_START_US + 1, journal,
                                         sizeof journal);
  memset (&event, 0, sizeof event);
  jn_midi_event_init_short (&event, 0xC2, 5, 0);
  event.seq = 12;
  size = jn_packet_encode_midi_journal (buf, sizeof buf, &h, &event, 1, journal, jsize);
  g_assert_cmpuint (size, >, 0);
  g_assert_true (jn_packet_decode (buf, size, packet, &error));
  g_assert_no_error (error);
  g_assert_true (packet->header.flags & JN_PACKET_FLAG_JOURNAL);
  g_assert_cmpuint (packet->midi.n_events, ==, 1);
  g_assert_true (packet->midi.has_journal);
  g_assert_cmpuint (packet->midi.journal.seq, ==, 12);
  g_assert_cmpuint (packet->midi.journal.n_channels, ==, 2);
  ch = &packet->midi.journal.channels[0];
  g_assert_cmpuint (ch->channel, ==, 0);
  g_assert_cmpuint (ch->n_notes, ==, 10);
  /* held for longer than a late start allows */
  g_assert_cmpuint (ch->notes[3], ==, (60 + 3) | JN_MIDI_JOURNAL_NOTE_OLD);
  g_assert_cmpuint (ch->velocity[3], ==, 103);
  ch = &packet->midi.journal.channels[1];
  g_assert_cmpuint (ch->channel, ==, 2);
  g_assert_cmpuint (ch->value[JN_MIDI_CHAPTER_SUSTAIN], ==, 127);
  g_assert_cmpuint (ch->value[JN_MIDI_CHAPTER_BEND], ==, 0x2001);
  g_assert_cmpuint (ch->value[JN_MIDI_CHAPTER_PROGRAM], ==, 5);

  /* acknowledged up to 10: only what changed after it */
  checkpoint = 10;
  jsize = jn_midi_journal_writer_encode (w, &checkpoint, 3000, journal, sizeof journal);
  g_assert_cmpuint (jsize, ==, 5 + 2 + 2 + 1);   /* channel 3's bend and program */
  checkpoint = 12;
  g_assert_cmpuint (jn_midi_journal_writer_encode (w, &checkpoint, 3000, journal, sizeof journal), ==, 0);

  /* journal-only: no events */
  checkpoint = 9;
  jsize = jn_midi_journal_writer_encode (w, &checkpoint, 3000, journal, sizeof journal);
  size = jn_packet_encode_midi_journal (buf, sizeof buf, &h, NULL, 0, journal, jsize);
  g_assert_true (jn_packet_decode (buf, size, packet, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (packet->midi.n_events, ==, 0);
  g_assert_cmpuint (packet->midi.journal.seq, ==, 12);

  /* every cut of it is refused, and every single-byte change is read
   * safely (refused, or a journal of valid values) */
  for (gsize cut = JN_PACKET_HEADER_SIZE + 1; cut < size; cut++)
    {
      guint8 copy[2048];

      memcpy (copy, buf, cut);
      copy[14] = (guint8) ((cut - JN_PACKET_HEADER_SIZE) >> 8);
      copy[15] = (guint8) (cut - JN_PACKET_HEADER_SIZE);
      g_assert_false (jn_packet_decode (copy, cut, packet, NULL));
    }
  for (gsize at = JN_PACKET_HEADER_SIZE + 1; at < size; at++)
    for (guint v = 0; v < 256; v += 17)
      {
        guint8 copy[2048];

        memcpy (copy, buf, size);
        copy[at] = (guint8) v;
        if (jn_packet_decode (copy, size, packet, NULL))
          for (guint c = 0; c < packet->midi.journal.n_channels; c++)
            {
              g_assert_cmpuint (packet->midi.journal.channels[c].channel, <, 16);
              g_assert_cmpuint (packet->midi.journal.channels[c].value[JN_MIDI_CHAPTER_BEND], <=, 16383);
            }
      }

  /* the journal must follow the packet's last event */
  event.seq = 11;
  size = jn_packet_encode_midi_journal (buf, sizeof buf, &h, &event, 1, journal, jsize);
  expect_error (buf, size, JN_PROTOCOL_ERROR_BAD_MIDI);
  /* a repeated channel, a repeated note, a silent note, a bend too high */
  {
    static const guint8 bad[][12] = {
      { 0, 0, 0, 1, 2, 0, 0x40, 0, 0x40, 0, 0, 0 },          /* channel 0 twice */
      { 0, 0, 0, 1, 1, 0, 0x01, 2, 60, 9, 60, 9 },           /* note 60 twice */
      { 0, 0, 0, 1, 1, 0, 0x01, 1, 60, 0, 0, 0 },            /* velocity 0 */
      { 0, 0, 0, 1, 1, 0, 0x40, 0xFF, 0xFF, 0, 0, 0 },       /* bend 0xFFFF */
      { 0, 0, 0, 1, 1, 16, 0x02, 0, 0, 0, 0, 0 },            /* channel 16 */
      { 0, 0, 0, 1, 1, 0, 0x00, 0, 0, 0, 0, 0 },             /* no chapter */
    };
    static const gsize bad_size[] = { 11, 12, 10, 9, 8, 7 };
    JnMidiJournal j;

    for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
      {
        g_assert_false (jn_midi_journal_decode (bad[i], bad_size[i], &j, &error));
        g_assert_error (error, JN_PROTOCOL_ERROR, JN_PROTOCOL_ERROR_BAD_MIDI);
        g_clear_error (&error);
      }
  }
  /* a journal flag where no journal belongs */
  h.kind = JN_PACKET_SYNC_PING;
  h.flags = JN_PACKET_FLAG_JOURNAL;
  size = jn_packet_encode_ping (buf, sizeof buf, &h);
  expect_error (buf, size, JN_PROTOCOL_ERROR_BAD_KIND);
}

/* Copies of earlier packets before an audio packet's samples: they come
 * back byte for byte; a section that lies is refused as a whole. */
static void
test_audio_copies (void)
{
  static const JnAudioFormat format = { 48000, 128, 1, JN_SAMPLE_S16 };
  guint8 section[1 + 2 * (2 + 82)], buf[2048], bad[2048];
  float samples[128], other[128];
  JnPacketHeader h = header_for (JN_PACKET_AUDIO);
  g_autofree JnPacket *packet = g_new0 (JnPacket, 1);
  g_autoptr(GError) error = NULL;
  gsize size, n5 = jn_audio_copy_size (128, 5), n4 = jn_audio_copy_size (128, 4), used;

  h.seq = 10;
  for (guint i = 0; i < 128; i++)
    {
      samples[i] = 0.3f * sinf (i * 0.05f);
      other[i] = 0.2f * cosf (i * 0.07f);
    }
  section[0] = 2;
  section[1] = 1, section[2] = 5;
  jn_audio_copy_encode (samples, 128, 5, section + 3);
  section[3 + n5] = 3, section[4 + n5] = 4;
  jn_audio_copy_encode (other, 128, 4, section + 5 + n5);
  used = 5 + n5 + n4;
  size = jn_packet_encode_audio_copies (buf, sizeof buf, &h, &format, samples, section, used);
  g_assert_cmpuint (size, ==, JN_PACKET_HEADER_SIZE + JN_AUDIO_HEADER_SIZE + used + 256);
  g_assert_true (jn_packet_decode (buf, size, packet, &error));
  g_assert_no_error (error);
  g_assert_true (packet->header.flags & JN_PACKET_FLAG_COPIES);
  g_assert_cmpuint (packet->audio.n_copies, ==, 2);
  g_assert_cmpuint (packet->audio.copies[0].back, ==, 1);
  g_assert_cmpuint (packet->audio.copies[1].back, ==, 3);
  g_assert_cmpuint (packet->audio.copies[1].bits, ==, 4);
  g_assert_cmpmem (packet->audio.copies[0].data, n5, section + 3, n5);
  g_assert_cmpmem (packet->audio.copies[1].data, n4, section + 5 + n5, n4);
  g_assert_cmpuint (packet->audio.samples_size, ==, 256);

  /* every cut is refused; so are: no copies, five, back 0, a repeat, back
   * beyond 4, a copy of a packet before the first, 3 or 9 bits */
  for (gsize cut = JN_PACKET_HEADER_SIZE + JN_AUDIO_HEADER_SIZE; cut < size; cut++)
    {
      memcpy (bad, buf, cut);
      bad[14] = (guint8) ((cut - JN_PACKET_HEADER_SIZE) >> 8);
      bad[15] = (guint8) (cut - JN_PACKET_HEADER_SIZE);
      g_assert_false (jn_packet_decode (bad, cut, packet, NULL));
    }
  {
    static const struct { gsize at; guint8 value; int code; } lies[] = {
      { 0, 0, JN_PROTOCOL_ERROR_BAD_LENGTH }, { 0, 5, JN_PROTOCOL_ERROR_BAD_LENGTH },
      { 1, 0, JN_PROTOCOL_ERROR_BAD_AUDIO_FORMAT }, { 1, 3, JN_PROTOCOL_ERROR_BAD_AUDIO_FORMAT },
      { 1, 5, JN_PROTOCOL_ERROR_BAD_AUDIO_FORMAT }, { 2, 3, JN_PROTOCOL_ERROR_BAD_AUDIO_FORMAT },
      { 2, 9, JN_PROTOCOL_ERROR_BAD_AUDIO_FORMAT },
    };

    for (guint i = 0; i < G_N_ELEMENTS (lies); i++)
      {
        memcpy (bad, buf, size);
        bad[JN_PACKET_HEADER_SIZE + JN_AUDIO_HEADER_SIZE + lies[i].at] = lies[i].value;
        expect_error (bad, size, lies[i].code);
      }
    /* the second copy repeats the first's packet */
    memcpy (bad, buf, size);
    bad[JN_PACKET_HEADER_SIZE + JN_AUDIO_HEADER_SIZE + 3 + n5] = 1;
    expect_error (bad, size, JN_PROTOCOL_ERROR_BAD_AUDIO_FORMAT);
    /* packet 2 cannot carry a copy of packet -1 */
    h.seq = 2;
    size = jn_packet_encode_audio_copies (bad, sizeof bad, &h, &format, samples, section, used);
    expect_error (bad, size, JN_PROTOCOL_ERROR_BAD_AUDIO_FORMAT);
    /* copies on a MIDI packet */
    h.seq = 10;
    size = jn_packet_encode_audio_copies (bad, sizeof bad, &h, &format, samples, section, used);
    bad[5] = JN_PACKET_MIDI;
    expect_error (bad, size, JN_PROTOCOL_ERROR_BAD_KIND);
  }
}

/* A pong may acknowledge the pinger's MIDI, in 4 more bytes. */
static void
test_pong_ack (void)
{
  guint8 buf[64];
  JnPacketHeader h = header_for (JN_PACKET_SYNC_PONG);
  JnSyncPong pong = { 42, 1, 2, TRUE, 0xFFFFFFFE };
  JnPacket packet;
  gsize size;

  size = jn_packet_encode_pong (buf, sizeof buf, &h, &pong);
  g_assert_cmpuint (size, ==, JN_PACKET_HEADER_SIZE + JN_PONG_PAYLOAD_SIZE + JN_PONG_ACK_SIZE);
  g_assert_true (jn_packet_decode (buf, size, &packet, NULL));
  g_assert_true (packet.pong.has_midi_ack);
  g_assert_cmpuint (packet.pong.midi_ack, ==, 0xFFFFFFFE);
  /* with the receiver's report after the ack */
  {
    JnSyncPong both = { 42, 1, 2, TRUE, 7, TRUE, 0xFFFFFFF0, 123456, 9, 4 };
    guint8 b2[64];
    gsize n = jn_packet_encode_pong (b2, sizeof b2, &h, &both);

    g_assert_cmpuint (n, ==, JN_PACKET_HEADER_SIZE + JN_PONG_PAYLOAD_SIZE + JN_PONG_ACK_SIZE +
                             JN_PONG_REPORT_SIZE);
    g_assert_true (jn_packet_decode (b2, n, &packet, NULL));
    g_assert_cmpuint (packet.pong.midi_ack, ==, 7);
    g_assert_true (packet.pong.has_report);
    g_assert_cmpuint (packet.pong.lost, ==, 0xFFFFFFF0);
    g_assert_cmpuint (packet.pong.received, ==, 123456);
    g_assert_cmpuint (packet.pong.burst, ==, 9);
    g_assert_cmpuint (packet.pong.depth, ==, 4);
    b2[7] &= (guint8) ~JN_PACKET_FLAG_REPORT;
    expect_error (b2, n, JN_PROTOCOL_ERROR_BAD_LENGTH);
  }
  /* the flag without the bytes, the bytes without the flag */
  buf[14] = 0, buf[15] = JN_PONG_PAYLOAD_SIZE;
  expect_error (buf, size - JN_PONG_ACK_SIZE, JN_PROTOCOL_ERROR_BAD_LENGTH);
  buf[7] &= (guint8) ~JN_PACKET_FLAG_MIDI_ACK;
  buf[15] = JN_PONG_PAYLOAD_SIZE + JN_PONG_ACK_SIZE;
  expect_error (buf, size, JN_PROTOCOL_ERROR_BAD_LENGTH);
}

static void
expect_error (const guint8 *data, gsize size, int code)
{
  g_autoptr(GError) error = NULL;
  JnPacket packet;

  g_assert_false (jn_packet_decode (data, size, &packet, &error));
  g_assert_error (error, JN_PROTOCOL_ERROR, code);
  g_assert_nonnull (error->message);
}

static gsize
valid_audio (guint8 *buf, gsize size)
{
  JnAudioFormat format = { 48000, 128, 2, JN_SAMPLE_S16 };
  JnPacketHeader h = header_for (JN_PACKET_AUDIO);
  float samples[256] = { 0 };

  return jn_packet_encode_audio (buf, size, &h, &format, samples);
}

static void
test_malformed (void)
{
  guint8 buf[2048], copy[2048];
  gsize size = valid_audio (buf, sizeof buf);

  /* truncated anywhere inside the header */
  for (gsize n = 0; n < JN_PACKET_HEADER_SIZE; n++)
    expect_error (buf, n, JN_PROTOCOL_ERROR_TRUNCATED);
  expect_error (NULL, 0, JN_PROTOCOL_ERROR_TRUNCATED);

  /* truncated payload: the header's length no longer matches */
  for (gsize n = JN_PACKET_HEADER_SIZE; n < size; n += 7)
    expect_error (buf, n, JN_PROTOCOL_ERROR_BAD_LENGTH);

  memcpy (copy, buf, size);
  copy[0] ^= 0xFF;
  expect_error (copy, size, JN_PROTOCOL_ERROR_BAD_MAGIC);

  memcpy (copy, buf, size);
  copy[4] = JN_PROTOCOL_VERSION + 1;
  expect_error (copy, size, JN_PROTOCOL_ERROR_BAD_VERSION);

  memcpy (copy, buf, size);
  copy[5] = 0;
  expect_error (copy, size, JN_PROTOCOL_ERROR_BAD_KIND);
  copy[5] = 99;
  expect_error (copy, size, JN_PROTOCOL_ERROR_BAD_KIND);

  /* a header that lies about the payload length */
  memcpy (copy, buf, size);
  copy[14] = 0xFF;
  copy[15] = 0xFF;
  expect_error (copy, size, JN_PROTOCOL_ERROR_BAD_LENGTH);

  /* the audio header lies: more frames than the payload carries */
  memcpy (copy, buf, size);
  copy[JN_PACKET_HEADER_SIZE + 5] += 1;
  expect_error (copy, size, JN_PROTOCOL_ERROR_BAD_LENGTH);
  /* impossible formats */
  memcpy (copy, buf, size);
  copy[JN_PACKET_HEADER_SIZE + 6] = 0;       /* 0 channels */
  expect_error (copy, size, JN_PROTOCOL_ERROR_BAD_AUDIO_FORMAT);
  memcpy (copy, buf, size);
  copy[JN_PACKET_HEADER_SIZE + 7] = 9;       /* unknown sample format */
  expect_error (copy, size, JN_PROTOCOL_ERROR_BAD_AUDIO_FORMAT);
  memcpy (copy, buf, size);
  memset (copy + JN_PACKET_HEADER_SIZE, 0, 4);  /* 0 Hz */
  expect_error (copy, size, JN_PROTOCOL_ERROR_BAD_AUDIO_FORMAT);

  /* an extra trailing byte */
  memcpy (copy, buf, size);
  copy[size] = 0;
  expect_error (copy, size + 1, JN_PROTOCOL_ERROR_BAD_LENGTH);
}

static void
test_malformed_midi (void)
{
  JnPacketHeader h = header_for (JN_PACKET_MIDI);
  JnMidiEvent event = { 0 };
  guint8 buf[512], copy[512];
  gsize size;
  gsize ev = JN_PACKET_HEADER_SIZE + 1;   /* first event header */

  jn_midi_event_init_short (&event, 0x90, 60, 100);
  size = jn_packet_encode_midi (buf, sizeof buf, &h, &event, 1);
  g_assert_cmpuint (size, ==, JN_PACKET_HEADER_SIZE + 1 + JN_MIDI_EVENT_HEADER_SIZE + 3);

  /* zero events, too many events */
  memcpy (copy, buf, size);
  copy[JN_PACKET_HEADER_SIZE] = 0;
  expect_error (copy, size, JN_PROTOCOL_ERROR_BAD_MIDI);
  copy[JN_PACKET_HEADER_SIZE] = JN_MIDI_MAX_EVENTS + 1;
  expect_error (copy, size, JN_PROTOCOL_ERROR_BAD_MIDI);
  /* announces two events, carries one */
  copy[JN_PACKET_HEADER_SIZE] = 2;
  expect_error (copy, size, JN_PROTOCOL_ERROR_TRUNCATED);

  /* event length that lies: longer than what is left */
  memcpy (copy, buf, size);
  copy[ev + 13] = 40;
  expect_error (copy, size, JN_PROTOCOL_ERROR_BAD_LENGTH);
  /* event length beyond the SysEx limit */
  memcpy (copy, buf, size);
  copy[ev + 12] = 0x01;
  copy[ev + 13] = 0x01;
  expect_error (copy, size, JN_PROTOCOL_ERROR_SYSEX_TOO_LARGE);
  /* shorter event length leaves stray bytes, or breaks the message */
  memcpy (copy, buf, size);
  copy[ev + 13] = 2;
  expect_error (copy, size, JN_PROTOCOL_ERROR_BAD_MIDI);
  /* a data byte with the high bit set */
  memcpy (copy, buf, size);
  copy[ev + JN_MIDI_EVENT_HEADER_SIZE + 1] = 0xFF;
  expect_error (copy, size, JN_PROTOCOL_ERROR_BAD_MIDI);

  /* an oversized SysEx cannot be encoded either */
  event.data[0] = 0xF0;
  event.size = JN_MIDI_SYSEX_MAX + 1;
  g_assert_cmpuint (jn_packet_encode_midi (buf, sizeof buf, &h, &event, 1), ==, 0);

  /* ping and bye carry nothing, pong exactly 20 bytes */
  h.kind = JN_PACKET_SYNC_PING;
  size = jn_packet_encode_ping (buf, sizeof buf, &h);
  buf[15] = 1;
  buf[size] = 0;
  expect_error (buf, size + 1, JN_PROTOCOL_ERROR_BAD_LENGTH);
  buf[5] = JN_PACKET_SYNC_PONG;
  expect_error (buf, size + 1, JN_PROTOCOL_ERROR_BAD_LENGTH);

  /* unknown flags */
  h.kind = JN_PACKET_BYE;
  size = jn_packet_encode_bye (buf, sizeof buf, &h);
  buf[6] = 0x80;
  expect_error (buf, size, JN_PROTOCOL_ERROR_BAD_KIND);
}

/* A few thousand random buffers and mutations of valid packets: every one
 * is either accepted with consistent fields or refused with a reason; none
 * crashes or reads out of bounds (ASan runs this in CI). */
static void
test_random (void)
{
  g_autoptr(GRand) rand = g_rand_new_with_seed (g_test_rand_int ());
  guint8 valid[2048], buf[2048];
  gsize valid_size = valid_audio (valid, sizeof valid);
  guint accepted = 0, refused = 0;

  for (guint iter = 0; iter < 6000; iter++)
    {
      g_autoptr(GError) error = NULL;
      JnPacket packet;
      gsize size;
      g_autofree guint8 *exact = NULL;

      if (iter % 2 == 0)
        {
          size = g_rand_int_range (rand, 0, 600);
          for (gsize i = 0; i < size; i++)
            buf[i] = g_rand_int (rand) & 0xFF;
          if (iter % 4 == 0 && size >= 6)
            {
              /* valid magic and version, so the deeper checks get exercised */
              memcpy (buf, valid, 5);
              buf[5] = g_rand_int_range (rand, 1, 6);
            }
        }
      else
        {
          size = valid_size;
          memcpy (buf, valid, size);
          for (guint flips = g_rand_int_range (rand, 1, 6); flips > 0; flips--)
            buf[g_rand_int_range (rand, 0, (gint32) size)] ^= 1 << g_rand_int_range (rand, 0, 8);
          if (g_rand_boolean (rand))
            size = g_rand_int_range (rand, 0, (gint32) size + 1);
        }

      /* decode from an exact-size heap copy so ASan sees any overread */
      exact = g_memdup2 (buf, size ? size : 1);
      if (jn_packet_decode (exact, size, &packet, &error))
        {
          g_assert_no_error (error);
          g_assert_cmpuint (packet.header.payload_size + JN_PACKET_HEADER_SIZE, ==, size);
          if (packet.header.kind == JN_PACKET_AUDIO)
            {
              g_autofree float *out = g_new (float, (gsize) packet.audio.format.frames *
                                                    packet.audio.format.channels);

              jn_packet_audio_to_float (&packet, out);
            }
          accepted++;
        }
      else
        {
          g_assert_nonnull (error);
          g_assert_true (error->domain == JN_PROTOCOL_ERROR);
          g_assert_cmpint (error->code, <, JN_PROTOCOL_ERROR_N_CODES);
          refused++;
        }
    }
  g_assert_cmpuint (accepted + refused, ==, 6000);
  g_assert_cmpuint (refused, >, 3000);
}

/* A forward room's datagram (docs/protocol.md 3.6): a whole datagram of
 * kind 1..5 inside, and its destination */
static void
test_forward (void)
{
  JnPacketHeader h = { JN_PACKET_BYE, 0, 5, 0, 0, 0, 42 };
  JnPacketHeader f = { JN_PACKET_FORWARD, 0, 5, 0, 0, 7, 43 };
  guint8 inner[64], outer[128];
  gsize n, m;
  JnPacket p;
  g_autoptr(GError) error = NULL;

  n = jn_packet_encode_bye (inner, sizeof inner, &h);
  m = jn_packet_encode_forward (outer, sizeof outer, &f, 9, inner, n);
  g_assert_cmpuint (m, ==, JN_PACKET_HEADER_SIZE + JN_FORWARD_HEADER_SIZE + n);
  g_assert_true (jn_packet_decode (outer, m, &p, &error));
  g_assert_no_error (error);
  g_assert_cmpint (p.header.kind, ==, JN_PACKET_FORWARD);
  g_assert_cmpuint (p.forward.dest, ==, 9);
  g_assert_cmpmem (p.forward.inner, p.forward.inner_size, inner, n);

  /* never a forward inside a forward, nor less than a header */
  g_assert_cmpuint (jn_packet_encode_forward (inner, sizeof inner, &f, 9, outer, m), ==, 0);
  g_assert_cmpuint (jn_packet_encode_forward (outer, sizeof outer, &f, 9, inner, n - 1), ==, 0);
  /* a forward whose inside is cut short, or names a forward */
  outer[14] = 0;
  outer[15] = JN_FORWARD_HEADER_SIZE + 10;
  g_assert_false (jn_packet_decode (outer, JN_PACKET_HEADER_SIZE + JN_FORWARD_HEADER_SIZE + 10,
                                    &p, &error));
  g_assert_error (error, JN_PROTOCOL_ERROR, JN_PROTOCOL_ERROR_BAD_LENGTH);
  g_clear_error (&error);
  m = jn_packet_encode_forward (outer, sizeof outer, &f, 9, inner, n);
  outer[JN_PACKET_HEADER_SIZE + JN_FORWARD_HEADER_SIZE + 5] = JN_PACKET_FORWARD;
  g_assert_false (jn_packet_decode (outer, m, &p, &error));
  g_assert_error (error, JN_PROTOCOL_ERROR, JN_PROTOCOL_ERROR_BAD_LENGTH);
}

int
main (int argc, char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/packet/audio-roundtrip", test_audio_roundtrip);
  g_test_add_func ("/packet/s16-exact", test_s16_exact);
  g_test_add_func ("/packet/f32-hostile-samples", test_f32_hostile_samples);
  g_test_add_func ("/packet/midi-roundtrip", test_midi_roundtrip);
  g_test_add_func ("/packet/midi-invalid-events", test_midi_invalid_events);
  g_test_add_func ("/packet/sync-and-bye", test_sync_and_bye);
  g_test_add_func ("/packet/midi-journal", test_midi_journal);
  g_test_add_func ("/packet/pong-ack", test_pong_ack);
  g_test_add_func ("/packet/audio-copies", test_audio_copies);
  g_test_add_func ("/packet/malformed", test_malformed);
  g_test_add_func ("/packet/malformed-midi", test_malformed_midi);
  g_test_add_func ("/packet/random", test_random);
  g_test_add_func ("/packet/forward", test_forward);

  return g_test_run ();
}

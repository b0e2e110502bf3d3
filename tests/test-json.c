/* test-json.c: JMID and control messages through json-glib
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <string.h>

#include "jn-control.h"
#include "jn-secure-transport.h"
#include "jn-error.h"
#include "jn-midi.h"

static void
test_jmid_roundtrip (void)
{
  static const guint8 messages[][3] = {
    { 0x90, 60, 100 }, { 0x80, 60, 0 }, { 0xA3, 61, 20 }, { 0xB0, 7, 127 },
    { 0xC5, 12, 0 }, { 0xDF, 90, 0 }, { 0xE1, 0x00, 0x00 }, { 0xE1, 0x7F, 0x7F },
    { 0xE0, 0x00, 0x40 },
  };

  for (guint i = 0; i < G_N_ELEMENTS (messages) + 1; i++)
    {
      JnMidiEvent in = { 0 }, out = { 0 };
      g_autofree char *text = NULL;
      g_autoptr(GError) error = NULL;

      if (i < G_N_ELEMENTS (messages))
        jn_midi_event_init_short (&in, messages[i][0], messages[i][1], messages[i][2]);
      else
        {
          static const guint8 sysex[] = { 0xF0, 0x7E, 0x7F, 0x06, 0x01, 0xF7 };

          memcpy (in.data, sysex, sizeof sysex);
          in.size = sizeof sysex;
        }
      in.seq = 4000000000u + i;
      in.timestamp_us = G_GUINT64_CONSTANT (1234567890123) + i;

      text = jn_midi_event_to_jmid_string (&in);
      g_assert_nonnull (text);
      g_assert_true (jn_midi_event_from_jmid_string (text, -1, &out, &error));
      g_assert_no_error (error);
      g_assert_cmpuint (out.seq, ==, in.seq);
      g_assert_cmpuint (out.timestamp_us, ==, in.timestamp_us);
      g_assert_cmpmem (out.data, out.size, in.data, in.size);
    }
}

static void
test_jmid_documented_form (void)
{
  JnMidiEvent event = { 0 };
  g_autofree char *text = NULL;

  /* the exact form docs/protocol.md shows */
  g_assert_true (jn_midi_event_from_jmid_string (
    "{\"t\":\"n+\",\"n\":60,\"v\":100,\"c\":1,\"ts\":1000,\"seq\":7}", -1, &event, NULL));
  g_assert_cmpuint (event.size, ==, 3);
  g_assert_cmpuint (event.data[0], ==, 0x90);
  g_assert_cmpuint (event.data[1], ==, 60);
  g_assert_cmpuint (event.data[2], ==, 100);
  text = jn_midi_event_to_jmid_string (&event);
  g_assert_cmpstr (text, ==, "{\"t\":\"n+\",\"n\":60,\"v\":100,\"c\":1,\"ts\":1000,\"seq\":7}");

  g_assert_true (jn_midi_event_from_jmid_string (
    "{\"t\":\"pb\",\"v\":-8192,\"c\":16,\"ts\":0,\"seq\":0}", -1, &event, NULL));
  g_assert_cmpuint (event.data[0], ==, 0xEF);
  g_assert_cmpuint (event.data[1], ==, 0);
  g_assert_cmpuint (event.data[2], ==, 0);
}

static void
test_jmid_malformed (void)
{
  static const char *bad[] = {
    "",
    "not json",
    "[1,2,3]",
    "{\"t\":\"n+\",\"n\":60,\"v\":100,\"c\":1,\"ts\":1}",               /* no seq */
    "{\"t\":\"n+\",\"n\":128,\"v\":100,\"c\":1,\"ts\":1,\"seq\":1}",     /* note out of range */
    "{\"t\":\"n+\",\"n\":60,\"v\":100,\"c\":0,\"ts\":1,\"seq\":1}",      /* channel 0 */
    "{\"t\":\"n+\",\"n\":60,\"v\":100,\"c\":17,\"ts\":1,\"seq\":1}",     /* channel 17 */
    "{\"t\":\"n+\",\"n\":\"60\",\"v\":100,\"c\":1,\"ts\":1,\"seq\":1}",  /* string note */
    "{\"t\":\"n+\",\"n\":60.5,\"v\":100,\"c\":1,\"ts\":1,\"seq\":1}",    /* fraction */
    "{\"t\":\"zz\",\"n\":60,\"v\":100,\"c\":1,\"ts\":1,\"seq\":1}",      /* unknown type */
    "{\"t\":\"pb\",\"v\":8192,\"c\":1,\"ts\":1,\"seq\":1}",              /* bend out of range */
    "{\"t\":\"n+\",\"n\":60,\"v\":100,\"c\":1,\"ts\":-1,\"seq\":1}",     /* negative time */
    "{\"t\":\"n+\",\"n\":60,\"v\":100,\"c\":1,\"ts\":1,\"seq\":4294967296}", /* seq > 32 bit */
    "{\"t\":\"sx\",\"d\":\"7e7\",\"ts\":1,\"seq\":1}",                   /* odd hex */
    "{\"t\":\"sx\",\"d\":\"7g\",\"ts\":1,\"seq\":1}",                    /* not hex */
    "{\"t\":\"sx\",\"d\":\"90\",\"ts\":1,\"seq\":1}",                    /* status inside */
    "{\"t\":42,\"ts\":1,\"seq\":1}",
  };
  g_autoptr(GString) huge = g_string_new ("{\"t\":\"sx\",\"ts\":1,\"seq\":1,\"d\":\"");
  g_autoptr(GError) error = NULL;
  JnMidiEvent event;

  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_assert_false (jn_midi_event_from_jmid_string (bad[i], -1, &event, &error));
      g_assert_true (error->domain == JN_PROTOCOL_ERROR);
      g_clear_error (&error);
    }

  for (guint i = 0; i < JN_MIDI_SYSEX_MAX; i++)
    g_string_append (huge, "01");
  g_string_append (huge, "\"}");
  g_assert_false (jn_midi_event_from_jmid_string (huge->str, -1, &event, &error));
  g_assert_error (error, JN_PROTOCOL_ERROR, JN_PROTOCOL_ERROR_SYSEX_TOO_LARGE);
}

static JnControlMessage *
roundtrip (const JnControlMessage *in)
{
  g_autofree char *text = jn_control_message_to_json (in);
  g_autoptr(GError) error = NULL;
  JnControlMessage *out;

  g_assert_nonnull (text);
  out = jn_control_message_parse (text, -1, &error);
  g_assert_no_error (error);
  g_assert_nonnull (out);
  g_assert_cmpint (out->type, ==, in->type);
  g_assert_cmpuint (out->version, ==, JN_PROTOCOL_VERSION);
  return out;
}

static void
test_control_roundtrip (void)
{
  g_autoptr(JnControlMessage) hello = jn_control_message_new (JN_CONTROL_HELLO);
  g_autoptr(JnControlMessage) welcome = jn_control_message_new (JN_CONTROL_WELCOME);
  g_autoptr(JnControlMessage) roster = jn_control_message_new (JN_CONTROL_ROSTER);
  g_autoptr(JnControlMessage) joined = jn_control_message_new (JN_CONTROL_PEER_JOINED);
  g_autoptr(JnControlMessage) left = jn_control_message_new (JN_CONTROL_PEER_LEFT);
  g_autoptr(JnControlMessage) transport = jn_control_message_new (JN_CONTROL_TRANSPORT);
  g_autoptr(JnControlMessage) error = jn_control_message_new (JN_CONTROL_ERROR);
  JnControlMessage *out;

  hello->name = g_strdup ("Zoë \"the\" bassist");
  hello->has_pake = TRUE;
  for (guint i = 0; i < 32; i++)
    hello->pake[i] = (guint8) (i * 7 + 1);
  hello->udp_port = 50000;
  out = roundtrip (hello);
  g_assert_cmpstr (out->name, ==, hello->name);
  g_assert_true (out->has_pake);
  g_assert_cmpmem (out->pake, 32, hello->pake, 32);
  g_assert_cmpuint (out->udp_port, ==, 50000);
  g_assert_false (out->create);
  jn_control_message_free (out);

  /* asking a server to open a room: unlisted, with a passphrase; listed by default */
  hello->create = TRUE;
  hello->listed = FALSE;
  hello->room_passphrase = g_strdup ("open sesame");
  out = roundtrip (hello);
  g_assert_true (out->create);
  g_assert_false (out->listed);
  g_assert_cmpstr (out->room_passphrase, ==, "open sesame");
  jn_control_message_free (out);
  out = jn_control_message_parse ("{\"type\":\"hello\",\"version\":2,\"name\":\"a\",\"udp_port\":9,"
                                  "\"create\":{\"passphrase\":\"\"}}", -1, NULL);
  g_assert_nonnull (out);
  g_assert_true (out->create && out->listed);
  g_assert_null (out->room_passphrase);
  jn_control_message_free (out);

  {
    g_autoptr(JnControlMessage) challenge = jn_control_message_new (JN_CONTROL_CHALLENGE);
    g_autoptr(JnControlMessage) confirm = jn_control_message_new (JN_CONTROL_CONFIRM);
    g_autoptr(GError) bad = NULL;
    JnControlMessage *parsed;

    memset (challenge->pake, 0xAB, 32);
    memset (challenge->confirm, 0xCD, 32);
    out = roundtrip (challenge);
    g_assert_cmpmem (out->pake, 32, challenge->pake, 32);
    g_assert_cmpmem (out->confirm, 32, challenge->confirm, 32);
    jn_control_message_free (out);
    memset (confirm->confirm, 0x11, 32);
    out = roundtrip (confirm);
    g_assert_cmpmem (out->confirm, 32, confirm->confirm, 32);
    jn_control_message_free (out);
    /* 31 bytes, or base64 with a stray character: refused */
    parsed = jn_control_message_parse ("{\"type\":\"confirm\",\"version\":2,"
                                       "\"confirm\":\"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA==\"}", -1, &bad);
    g_assert_null (parsed);
    g_assert_error (bad, JN_PROTOCOL_ERROR, JN_PROTOCOL_ERROR_BAD_MESSAGE);
    g_clear_error (&bad);
    parsed = jn_control_message_parse ("{\"type\":\"confirm\",\"version\":2,"
                                       "\"confirm\":\"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA!=\"}", -1, &bad);
    g_assert_null (parsed);
    g_assert_error (bad, JN_PROTOCOL_ERROR, JN_PROTOCOL_ERROR_BAD_MESSAGE);
  }

  welcome->peer_id = 3;
  welcome->name = g_strdup ("Friday jam");
  welcome->format = (JnAudioFormat) { 96000, 64, 2, JN_SAMPLE_S24 };
  out = roundtrip (welcome);
  g_assert_cmpuint (out->peer_id, ==, 3);
  g_assert_cmpstr (out->name, ==, "Friday jam");
  g_assert_cmpuint (out->format.rate, ==, 96000);
  g_assert_cmpuint (out->format.frames, ==, 64);
  g_assert_cmpuint (out->format.channels, ==, 2);
  g_assert_cmpint (out->format.format, ==, JN_SAMPLE_S24);
  g_assert_false (out->ice);
  jn_control_message_free (out);
  /* an Opus session's bitrate travels with its format */
  welcome->format = (JnAudioFormat) { 48000, 128, 2, JN_SAMPLE_OPUS, 96000 };
  out = roundtrip (welcome);
  g_assert_cmpint (out->format.format, ==, JN_SAMPLE_OPUS);
  g_assert_cmpuint (out->format.bitrate, ==, 96000);
  g_assert_cmpuint (out->format.channels, ==, 2);
  jn_control_message_free (out);
  welcome->format = (JnAudioFormat) { 96000, 64, 2, JN_SAMPLE_S24 };
  /* a forward room's: its server's port and the joiner's key with it */
  welcome->hub = TRUE;
  welcome->hub_address = g_strdup ("203.0.113.1");
  welcome->hub_port = 7421;
  jn_link_key_generate (&welcome->hub_key, JN_CIPHER_XCHACHA20_POLY1305);
  out = roundtrip (welcome);
  g_assert_true (out->hub);
  g_assert_false (out->ice);
  g_assert_cmpstr (out->hub_address, ==, "203.0.113.1");
  g_assert_cmpuint (out->hub_port, ==, 7421);
  g_assert_cmpint (out->hub_key.cipher, ==, JN_CIPHER_XCHACHA20_POLY1305);
  g_assert_cmpmem (out->hub_key.bytes, 32, welcome->hub_key.bytes, 32);
  g_assert_false (out->hub_mix);
  jn_control_message_free (out);
  /* a mix room's */
  welcome->hub_mix = TRUE;
  out = roundtrip (welcome);
  g_assert_true (out->hub && out->hub_mix);
  jn_control_message_free (out);
  welcome->hub = welcome->hub_mix = FALSE;
  /* a room's: links by ICE, with the server's STUN */
  welcome->ice = TRUE;
  welcome->stun = g_strdup ("[2001:db8::1]:3478");
  out = roundtrip (welcome);
  g_assert_true (out->ice);
  g_assert_cmpstr (out->stun, ==, "[2001:db8::1]:3478");
  g_assert_null (out->turn);
  jn_control_message_free (out);
  welcome->turn = g_strdup ("203.0.113.1:3478");
  welcome->turn_username = g_strdup ("1796390716:jamnet-3");
  welcome->turn_password = g_strdup ("c2VjcmV0");
  out = roundtrip (welcome);
  g_assert_cmpstr (out->turn, ==, "203.0.113.1:3478");
  g_assert_cmpstr (out->turn_username, ==, "1796390716:jamnet-3");
  g_assert_cmpstr (out->turn_password, ==, "c2VjcmV0");
  jn_control_message_free (out);

  {
    g_autofree char *ip_port = NULL, *username = NULL, *password = NULL;
    g_autofree char *expected = NULL;
    g_autofree guint8 *digest = NULL;
    g_autofree char *hex = NULL;
    gint64 expiry;
    gsize n;

    /* the player's own: USER:PASSWORD@IP:PORT, a password may hold ':' and '@' */
    g_assert_true (jn_turn_server_parse ("ana:p@ss:word@203.0.113.1:3478", &ip_port, &username, &password));
    g_assert_cmpstr (ip_port, ==, "203.0.113.1:3478");
    g_assert_cmpstr (username, ==, "ana");
    g_assert_cmpstr (password, ==, "p@ss:word");
    g_clear_pointer (&ip_port, g_free);
    g_clear_pointer (&username, g_free);
    g_clear_pointer (&password, g_free);
    g_assert_false (jn_turn_server_parse ("203.0.113.1:3478", &ip_port, &username, &password));
    g_assert_false (jn_turn_server_parse (":pw@203.0.113.1:3478", &ip_port, &username, &password));
    g_assert_false (jn_turn_server_parse ("ana:pw@turn.example.com:3478", &ip_port, &username, &password));

    /* TURN REST: EXPIRY:LABEL, and base64 (HMAC-SHA1 (secret, username)) */
    jn_turn_credentials ("0123456789abcdef", 3600, "jamnet-7", &username, &password);
    g_assert_true (g_str_has_suffix (username, ":jamnet-7"));
    expiry = g_ascii_strtoll (username, NULL, 10);
    g_assert_cmpint (ABS (expiry - (g_get_real_time () / G_USEC_PER_SEC + 3600)), <=, 2);
    digest = g_base64_decode (password, &n);
    g_assert_cmpuint (n, ==, 20);
    hex = g_compute_hmac_for_string (G_CHECKSUM_SHA1, (const guchar *) "0123456789abcdef", 16,
                                     username, -1);
    expected = g_malloc0 (41);
    for (guint i = 0; i < 20; i++)
      g_snprintf (expected + 2 * i, 3, "%02x", digest[i]);
    g_assert_cmpstr (expected, ==, hex);
  }

  {
    g_autoptr(JnControlMessage) ice = jn_control_message_new (JN_CONTROL_ICE);
    char *ip = NULL;
    guint16 port = 0;

    ice->peer_id = 7;
    ice->ice_ufrag = g_strdup ("abcd");
    ice->ice_pwd = g_strdup ("0123456789abcdefghij+/");
    g_ptr_array_add (ice->candidates, g_strdup ("candidate:1 1 UDP 2013266431 10.0.0.2 40000 typ host"));
    ice->ice_done = TRUE;
    out = roundtrip (ice);
    g_assert_cmpuint (out->peer_id, ==, 7);
    g_assert_cmpstr (out->ice_ufrag, ==, "abcd");
    g_assert_cmpstr (out->ice_pwd, ==, ice->ice_pwd);
    g_assert_cmpuint (out->candidates->len, ==, 1);
    g_assert_cmpstr (g_ptr_array_index (out->candidates, 0), ==, g_ptr_array_index (ice->candidates, 0));
    g_assert_true (out->ice_done);
    jn_control_message_free (out);

    {
      g_autoptr(JnControlMessage) midi = jn_control_message_new (JN_CONTROL_MIDI);
      JnMidiEvent event;

      jn_midi_event_init_short (&event, 0x91, 64, 90);
      event.seq = 17;
      event.timestamp_us = 123456;
      midi->peer_id = 4;
      g_array_append_val (midi->midi_events, event);
      out = roundtrip (midi);
      g_assert_cmpuint (out->peer_id, ==, 4);
      g_assert_cmpuint (out->midi_events->len, ==, 1);
      g_assert_cmpmem (g_array_index (out->midi_events, JnMidiEvent, 0).data, 3, event.data, 3);
      g_assert_cmpuint (g_array_index (out->midi_events, JnMidiEvent, 0).seq, ==, 17);
      jn_control_message_free (out);
    }

    g_assert_true (jn_ip_port_parse ("203.0.113.1:3478", &ip, &port));
    g_assert_cmpstr (ip, ==, "203.0.113.1");
    g_assert_cmpuint (port, ==, 3478);
    g_free (ip);
    g_assert_false (jn_ip_port_parse ("stun.example.com:3478", NULL, NULL));
    g_assert_false (jn_ip_port_parse ("203.0.113.1", NULL, NULL));
    g_assert_false (jn_ip_port_parse ("203.0.113.1:0", NULL, NULL));
  }

  g_ptr_array_add (roster->peers, jn_peer_info_new (1, "host", "192.168.1.2", 7000));
  g_ptr_array_add (roster->peers, jn_peer_info_new (2, "drums", "::1", 7001));
  out = roundtrip (roster);
  g_assert_cmpuint (out->peers->len, ==, 2);
  g_assert_cmpstr (((JnPeerInfo *) out->peers->pdata[1])->name, ==, "drums");
  g_assert_cmpstr (((JnPeerInfo *) out->peers->pdata[1])->address, ==, "::1");
  g_assert_cmpuint (((JnPeerInfo *) out->peers->pdata[0])->udp_port, ==, 7000);
  jn_control_message_free (out);

  g_ptr_array_add (joined->peers, jn_peer_info_new (4, "keys", "10.0.0.4", 9));
  out = roundtrip (joined);
  g_assert_cmpuint (((JnPeerInfo *) out->peers->pdata[0])->id, ==, 4);
  jn_control_message_free (out);

  left->peer_id = 4;
  out = roundtrip (left);
  g_assert_cmpuint (out->peer_id, ==, 4);
  jn_control_message_free (out);

  transport->tempo_bpm = 97.5;
  transport->playing = TRUE;
  transport->epoch_us = G_GINT64_CONSTANT (123456789012);
  out = roundtrip (transport);
  g_assert_cmpfloat (out->tempo_bpm, ==, 97.5);
  g_assert_true (out->playing);
  g_assert_cmpint (out->epoch_us, ==, G_GINT64_CONSTANT (123456789012));
  jn_control_message_free (out);

  {
    g_autoptr(JnControlMessage) mixing = jn_control_message_new (JN_CONTROL_MIX);

    mixing->peer_id = 7;
    mixing->gain = 0.25;
    mixing->mute = TRUE;
    mixing->pan = -0.75;
    out = roundtrip (mixing);
    g_assert_cmpint (out->type, ==, JN_CONTROL_MIX);
    g_assert_cmpuint (out->peer_id, ==, 7);
    g_assert_cmpfloat (out->gain, ==, 0.25);
    g_assert_true (out->mute);
    g_assert_cmpfloat (out->pan, ==, -0.75);
    jn_control_message_free (out);
  }

  {
    g_autoptr(JnControlMessage) echo = jn_control_message_new (JN_CONTROL_ECHO);

    echo->peer_id = 3;
    echo->seconds = JN_ECHO_MAX_S;
    out = roundtrip (echo);
    g_assert_cmpuint (out->peer_id, ==, 3);
    g_assert_cmpuint (out->seconds, ==, JN_ECHO_MAX_S);
    jn_control_message_free (out);
    echo->seconds = 0;   /* stop */
    out = roundtrip (echo);
    g_assert_cmpuint (out->seconds, ==, 0);
    jn_control_message_free (out);
  }

  {
    g_autoptr(JnControlMessage) chat = jn_control_message_new (JN_CONTROL_CHAT);
    g_autofree char *longest = NULL;
    GString *text = g_string_new (NULL);

    chat->text = g_strdup ("Zoë: „take it from the bridge“ <b>&</b>");
    out = roundtrip (chat);
    g_assert_cmpint (out->type, ==, JN_CONTROL_CHAT);
    g_assert_cmpuint (out->peer_id, ==, 0);   /* a member's: the host says who */
    g_assert_cmpstr (out->text, ==, chat->text);
    jn_control_message_free (out);
    /* as the host relays it, with who said it; the longest line there is */
    for (guint i = 0; i < JN_CHAT_MAX_CHARS; i++)
      g_string_append (text, "ä");
    longest = g_string_free (text, FALSE);
    g_free (chat->text);
    chat->text = g_strdup (longest);
    chat->peer_id = 3;
    out = roundtrip (chat);
    g_assert_cmpuint (out->peer_id, ==, 3);
    g_assert_cmpstr (out->text, ==, longest);
    jn_control_message_free (out);
    g_assert_true (jn_chat_text_is_valid (longest));
    g_assert_false (jn_chat_text_is_valid (""));
    g_assert_false (jn_chat_text_is_valid ("a\tb"));
    g_assert_false (jn_chat_text_is_valid ("a\xc2\x85" "b"));   /* NEL, a C1 control */
    g_assert_false (jn_chat_text_is_valid ("\xff"));
  }

  error->error_code = g_strdup ("wrong-passphrase");
  error->message = g_strdup ("The session passphrase is wrong.");
  out = roundtrip (error);
  g_assert_cmpint (jn_session_error_code_from_string (out->error_code), ==,
                   JN_SESSION_ERROR_WRONG_PASSPHRASE);
  g_assert_cmpstr (out->message, ==, error->message);
  jn_control_message_free (out);
}

static void
test_control_malformed (void)
{
  static const char *bad[] = {
    "",
    "{",
    "null",
    "\"hello\"",
    "{}",
    "{\"type\":\"hello\"}",                                               /* no version */
    "{\"type\":\"hello\",\"version\":1}",                                 /* no name */
    "{\"type\":\"hello\",\"version\":1,\"name\":\"a\",\"udp_port\":-1}",
    "{\"type\":\"hello\",\"version\":1,\"name\":\"a\",\"udp_port\":70000}",
    "{\"type\":\"hello\",\"version\":1,\"name\":7,\"udp_port\":7}",
    "{\"type\":\"dance\",\"version\":1}",
    "{\"type\":\"roster\",\"version\":1,\"peers\":{}}",
    "{\"type\":\"roster\",\"version\":1,\"peers\":[{\"id\":1,\"name\":\"a\",\"address\":\"example.com\",\"udp_port\":9}]}",
    "{\"type\":\"roster\",\"version\":1,\"peers\":[{\"id\":0,\"name\":\"a\",\"address\":\"1.2.3.4\",\"udp_port\":9}]}",
    "{\"type\":\"welcome\",\"version\":1,\"peer_id\":2,\"session\":\"s\",\"audio\":{\"rate\":48000,\"frames\":0,\"channels\":1,\"format\":1}}",
    "{\"type\":\"welcome\",\"version\":1,\"peer_id\":2,\"session\":\"s\"}",
    "{\"type\":\"transport\",\"version\":1,\"tempo\":1000,\"playing\":true}",
    "{\"type\":\"transport\",\"version\":1,\"tempo\":120,\"playing\":1}",
    "{\"type\":\"transport\",\"version\":1,\"tempo\":120,\"playing\":true,\"epoch_us\":-5}",
    "{\"type\":\"peer-left\",\"version\":1,\"peer_id\":-3}",
    /* a mix setting out of range, or short of a field */
    "{\"type\":\"mix\",\"version\":3,\"peer_id\":2,\"gain\":5,\"mute\":false,\"pan\":0}",
    "{\"type\":\"mix\",\"version\":3,\"peer_id\":2,\"gain\":1,\"mute\":false,\"pan\":-1.5}",
    "{\"type\":\"mix\",\"version\":3,\"peer_id\":2,\"gain\":1,\"pan\":0}",
    "{\"type\":\"mix\",\"version\":3,\"peer_id\":0,\"gain\":1,\"mute\":false,\"pan\":0}",
    "{\"type\":\"mix\",\"version\":3,\"gain\":1,\"mute\":false,\"pan\":0}",
    "{\"type\":\"error\",\"version\":1,\"code\":\"x\"}",
    /* chat: no text, empty, a line break, a control character, a bad sender */
    "{\"type\":\"echo\",\"version\":3,\"seconds\":5}",
    "{\"type\":\"echo\",\"version\":3,\"peer_id\":0,\"seconds\":5}",
    "{\"type\":\"echo\",\"version\":3,\"peer_id\":2}",
    "{\"type\":\"echo\",\"version\":3,\"peer_id\":2,\"seconds\":41}",
    "{\"type\":\"echo\",\"version\":3,\"peer_id\":2,\"seconds\":-1}",
    "{\"type\":\"echo\",\"version\":3,\"peer_id\":2,\"seconds\":\"5\"}",
    "{\"type\":\"chat\",\"version\":3}",
    "{\"type\":\"chat\",\"version\":3,\"text\":\"\"}",
    "{\"type\":\"chat\",\"version\":3,\"text\":\"a\\nb\"}",
    "{\"type\":\"chat\",\"version\":3,\"text\":\"a\\u0007b\"}",
    "{\"type\":\"chat\",\"version\":3,\"text\":7}",
    "{\"type\":\"chat\",\"version\":3,\"peer_id\":0,\"text\":\"hi\"}",
    /* a room's creation asked for wrongly */
    "{\"type\":\"hello\",\"version\":2,\"name\":\"a\",\"udp_port\":9,\"create\":true}",
    "{\"type\":\"hello\",\"version\":2,\"name\":\"a\",\"udp_port\":9,\"create\":{\"listed\":\"yes\"}}",
    "{\"type\":\"hello\",\"version\":2,\"name\":\"a\",\"udp_port\":9,\"create\":{\"passphrase\":5}}",
    /* Opus without its bitrate, with one out of range, at 44.1 kHz */
    "{\"type\":\"welcome\",\"version\":2,\"peer_id\":2,\"session\":\"s\",\"audio\":{\"rate\":48000,\"frames\":128,\"channels\":1,\"format\":4},\"media\":\"sealed\"}",
    "{\"type\":\"welcome\",\"version\":2,\"peer_id\":2,\"session\":\"s\",\"audio\":{\"rate\":48000,\"frames\":128,\"channels\":1,\"format\":4,\"bitrate\":1000000},\"media\":\"sealed\"}",
    "{\"type\":\"welcome\",\"version\":2,\"peer_id\":2,\"session\":\"s\",\"audio\":{\"rate\":44100,\"frames\":128,\"channels\":1,\"format\":4,\"bitrate\":128000},\"media\":\"sealed\"}",
    /* a hub without its port, with a name for an address, beside ice */
    "{\"type\":\"welcome\",\"version\":2,\"peer_id\":2,\"session\":\"s\",\"audio\":{\"rate\":48000,\"frames\":128,\"channels\":1,\"format\":1},\"media\":\"sealed\",\"hub\":{\"address\":\"203.0.113.1\",\"key\":\"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\",\"cipher\":\"aes256gcm\"}}",
    "{\"type\":\"welcome\",\"version\":2,\"peer_id\":2,\"session\":\"s\",\"audio\":{\"rate\":48000,\"frames\":128,\"channels\":1,\"format\":1},\"media\":\"sealed\",\"hub\":{\"address\":\"example.com\",\"port\":7421,\"key\":\"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\",\"cipher\":\"aes256gcm\"}}",
    "{\"type\":\"welcome\",\"version\":2,\"peer_id\":2,\"session\":\"s\",\"audio\":{\"rate\":48000,\"frames\":128,\"channels\":1,\"format\":1},\"media\":\"sealed\",\"ice\":{},\"hub\":{\"address\":\"203.0.113.1\",\"port\":7421,\"key\":\"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\",\"cipher\":\"aes256gcm\"}}",
    /* ICE's, wrongly */
    "{\"type\":\"welcome\",\"version\":2,\"peer_id\":2,\"session\":\"s\",\"audio\":{\"rate\":48000,\"frames\":128,\"channels\":1,\"format\":1},\"media\":\"sealed\",\"ice\":true}",
    "{\"type\":\"welcome\",\"version\":2,\"peer_id\":2,\"session\":\"s\",\"audio\":{\"rate\":48000,\"frames\":128,\"channels\":1,\"format\":1},\"media\":\"sealed\",\"ice\":{\"stun\":\"stun.example.com:3478\"}}",
    "{\"type\":\"welcome\",\"version\":2,\"peer_id\":2,\"session\":\"s\",\"audio\":{\"rate\":48000,\"frames\":128,\"channels\":1,\"format\":1},\"media\":\"sealed\",\"ice\":{\"turn\":{\"server\":\"203.0.113.1:3478\",\"username\":\"u\"}}}",
    "{\"type\":\"welcome\",\"version\":2,\"peer_id\":2,\"session\":\"s\",\"audio\":{\"rate\":48000,\"frames\":128,\"channels\":1,\"format\":1},\"media\":\"sealed\",\"ice\":{\"turn\":{\"server\":\"turn.example.com:3478\",\"username\":\"u\",\"password\":\"p\"}}}",
    "{\"type\":\"midi\",\"version\":2,\"peer_id\":3}",
    "{\"type\":\"midi\",\"version\":2,\"peer_id\":3,\"events\":[]}",
    "{\"type\":\"midi\",\"version\":2,\"peer_id\":3,\"events\":[{\"t\":\"n+\",\"n\":200,\"v\":100,\"c\":1}]}",
    "{\"type\":\"midi\",\"version\":2,\"events\":[{\"t\":\"n+\",\"n\":60,\"v\":100,\"c\":1}]}",
    "{\"type\":\"ice\",\"version\":2}",
    "{\"type\":\"ice\",\"version\":2,\"peer_id\":0}",
    "{\"type\":\"ice\",\"version\":2,\"peer_id\":3,\"ufrag\":\"abcd\"}",
    "{\"type\":\"ice\",\"version\":2,\"peer_id\":3,\"ufrag\":\"abc\",\"pwd\":\"0123456789abcdefghij+/\"}",
    "{\"type\":\"ice\",\"version\":2,\"peer_id\":3,\"candidates\":\"candidate:1\"}",
    "{\"type\":\"ice\",\"version\":2,\"peer_id\":3,\"candidates\":[7]}",
    "{\"type\":\"ice\",\"version\":2,\"peer_id\":3,\"candidates\":[\"\"]}",
    "{\"type\":\"ice\",\"version\":2,\"peer_id\":3,\"candidates\":[\"a\\nb\"]}",
    "{\"type\":\"ice\",\"version\":2,\"peer_id\":3,\"candidates\":[\"caf\u00e9\"]}",
    "{\"type\":\"ice\",\"version\":2,\"peer_id\":3,\"done\":1}",
    "{\"type\":\"ice\",\"version\":2,\"peer_id\":3,\"candidates\":[\"c\",\"c\",\"c\",\"c\",\"c\",\"c\",\"c\",\"c\",\"c\",\"c\",\"c\",\"c\",\"c\",\"c\",\"c\",\"c\",\"c\"]}",
  };
  g_autoptr(GString) long_name = g_string_new ("{\"type\":\"hello\",\"version\":1,\"udp_port\":9,\"name\":\"");
  g_autoptr(GString) big_roster = g_string_new ("{\"type\":\"roster\",\"version\":1,\"peers\":[");
  g_autoptr(GError) error = NULL;
  JnControlMessage *message;

  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      message = jn_control_message_parse (bad[i], -1, &error);
      g_assert_null (message);
      g_assert_true (error->domain == JN_PROTOCOL_ERROR);
      g_clear_error (&error);
    }

  for (guint i = 0; i <= JN_NAME_MAX_CHARS; i++)
    g_string_append (long_name, "é");
  g_string_append (long_name, "\"}");
  g_assert_null (jn_control_message_parse (long_name->str, -1, &error));
  g_assert_error (error, JN_PROTOCOL_ERROR, JN_PROTOCOL_ERROR_BAD_MESSAGE);
  g_clear_error (&error);

  /* a mix room's roster, the largest, and one more */
  for (guint i = 0; i <= JN_ROOM_MAX_PLAYERS; i++)
    g_string_append_printf (big_roster, "%s{\"id\":%u,\"name\":\"p\",\"address\":\"1.2.3.4\",\"udp_port\":9}",
                            i ? "," : "", i + 1);
  g_string_append (big_roster, "]}");
  g_assert_null (jn_control_message_parse (big_roster->str, -1, &error));
  g_assert_error (error, JN_PROTOCOL_ERROR, JN_PROTOCOL_ERROR_BAD_MESSAGE);
  g_clear_error (&error);

  /* a room's passphrase has a limit too */
  {
    g_autoptr(GString) long_pass = g_string_new ("{\"type\":\"hello\",\"version\":2,\"name\":\"a\","
                                                 "\"udp_port\":9,\"create\":{\"passphrase\":\"");

    for (guint i = 0; i <= JN_PASSPHRASE_MAX_CHARS; i++)
      g_string_append_c (long_pass, 'x');
    g_string_append (long_pass, "\"}}");
    g_assert_null (jn_control_message_parse (long_pass->str, -1, &error));
    g_assert_error (error, JN_PROTOCOL_ERROR, JN_PROTOCOL_ERROR_BAD_MESSAGE);
    g_clear_error (&error);
  }

  /* a newer protocol version parses; the receiver decides what to do */
  message = jn_control_message_parse ("{\"type\":\"hello\",\"version\":2,\"name\":\"a\",\"udp_port\":9}",
                                      -1, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (message->version, ==, 2);
  jn_control_message_free (message);
}

int
main (int argc, char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/jmid/roundtrip", test_jmid_roundtrip);
  g_test_add_func ("/jmid/documented-form", test_jmid_documented_form);
  g_test_add_func ("/jmid/malformed", test_jmid_malformed);
  g_test_add_func ("/control/roundtrip", test_control_roundtrip);
  g_test_add_func ("/control/malformed", test_control_malformed);

  return g_test_run ();
}

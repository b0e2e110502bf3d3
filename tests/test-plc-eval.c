/* test-plc-eval.c: jamnet-bench plc on a short piano clip and a fixed
 * trace: the output keeps the input's shape, every packet that was not lost
 * is untouched (bar the crossfade right after a gap), the report's figures
 * are finite, and PNBTR beats silence.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <gio/gio.h>
#include <json-glib/json-glib.h>
#include <math.h>
#include <string.h>

#include "jn-plc-eval.h"
#include "jn-wav.h"

#define PACKET 128

static const guint32 lost[] = { 20, 21, 50, 90, 91, 92, 93, 130, 500, 700, 701 };

static char *
data_path (const char *name)
{
  return g_build_filename (g_getenv ("JAMNET_TEST_DATA"), name, NULL);
}

static JsonObject *
run_tool (const char *dir, const char *method, JsonParser *parser)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *input = data_path ("piano.wav");
  g_autofree char *trace = g_build_filename (dir, "trace.txt", NULL);
  g_autofree char *output = g_strdup_printf ("%s/%s.wav", dir, method);
  g_autofree char *report = g_strdup_printf ("%s/%s.json", dir, method);
  g_autoptr(GString) text = g_string_new ("# fixed test trace\n");
  g_autoptr(GSubprocess) tool = NULL;

  for (guint i = 0; i < G_N_ELEMENTS (lost); i++)
    g_string_append_printf (text, "%u\n", lost[i]);
  g_assert_true (g_file_set_contents (trace, text->str, -1, NULL));

  tool = g_subprocess_new (G_SUBPROCESS_FLAGS_STDOUT_SILENCE, &error, g_getenv ("JAMNET_BENCH"),
                           "plc", "--input", input, "--loss-trace", trace, "--method", method,
                           "--packet", "128", "--output", output, "--report-json", report, NULL);
  g_assert_no_error (error);
  g_assert_true (g_subprocess_wait_check (tool, NULL, &error));
  g_assert_no_error (error);
  g_assert_true (json_parser_load_from_file (parser, report, &error));
  return json_node_get_object (json_parser_get_root (parser));
}

static gboolean
is_lost (guint32 packet)
{
  for (guint i = 0; i < G_N_ELEMENTS (lost); i++)
    if (lost[i] == packet)
      return TRUE;
  return FALSE;
}

static void
check_untouched (const char *dir, const char *method, guint crossfade)
{
  g_autofree char *input = data_path ("piano.wav");
  g_autofree char *output = g_strdup_printf ("%s/%s.wav", dir, method);
  g_autoptr(JnWav) in = jn_wav_load (input, NULL);
  g_autoptr(JnWav) out = jn_wav_load (output, NULL);
  guint checked = 0;

  g_assert_nonnull (in);
  g_assert_nonnull (out);
  g_assert_cmpuint (out->frames, ==, in->frames);
  g_assert_cmpuint (out->rate, ==, in->rate);
  g_assert_cmpuint (out->channels, ==, in->channels);
  for (gsize i = 0; i < in->frames; i++)
    {
      guint32 p = (guint32) (i / PACKET);

      if (is_lost (p) || (p > 0 && is_lost (p - 1) && i % PACKET < crossfade))
        continue;
      g_assert_cmpfloat (out->samples[i], ==, in->samples[i]);
      checked++;
    }
  g_assert_cmpuint (checked, >, in->frames * 9 / 10);
}

static void
check_finite (JsonObject *report)
{
  JsonObject *snr = json_object_get_object_member (report, "lost_snr_db");
  JsonObject *time = json_object_get_object_member (report, "conceal_time_us");

  g_assert_cmpint (json_object_get_int_member (report, "lost_packets"), ==, G_N_ELEMENTS (lost));
  g_assert_true (isfinite (json_object_get_double_member (snr, "all")));
  g_assert_true (isfinite (json_object_get_double_member (snr, "burst_3rd_on")));
  g_assert_true (isfinite (json_object_get_double_member (report, "file_snr_db")));
  g_assert_true (isfinite (json_object_get_double_member (report, "mel_distance_db")));
  g_assert_true (isfinite (json_object_get_double_member (report, "mel_frame_distance_db")));
  /* the trace's six gaps, in a mono clip, each measured where it begins */
  g_assert_cmpint (json_object_get_int_member (report, "gap_starts"), ==, 6);
  g_assert_cmpint (json_object_get_int_member (report, "gap_start_clicks"), <=, 6);
  g_assert_true (isfinite (json_object_get_double_member (report, "log_spectral_distance_db")));
  JsonObject *start = json_object_get_object_member (report, "gap_start_time_us");
  double max = json_object_get_double_member (time, "max");

  g_assert_cmpfloat (json_object_get_double_member (time, "p99"), >, 0.0);
  g_assert_cmpfloat (json_object_get_double_member (time, "p99"), <=, max);
  g_assert_cmpfloat (json_object_get_double_member (time, "mean"), <=, max);
  /* the first packets of gaps are some of the concealed packets */
  g_assert_nonnull (start);
  g_assert_cmpfloat (json_object_get_double_member (start, "max"), >, 0.0);
  g_assert_cmpfloat (json_object_get_double_member (start, "max"), <=, max);
  g_assert_cmpint (json_object_get_int_member (report, "clipped_samples"), ==, 0);
}

static void
test_tool (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = g_dir_make_tmp ("jamnet-plc-XXXXXX", &error);
  g_autoptr(JsonParser) zp = json_parser_new (), pp = json_parser_new (), bp = json_parser_new ();
  JsonObject *zero, *pnbtr, *burg;
  double zero_snr, pnbtr_snr;

  zero = run_tool (dir, "zero", zp);
  pnbtr = run_tool (dir, "pnbtr@2", pp);
  burg = run_tool (dir, "burg", bp);

  check_untouched (dir, "zero", 0);
  check_untouched (dir, "pnbtr@2", 64);
  check_untouched (dir, "burg", PACKET);
  check_finite (zero);
  check_finite (pnbtr);
  check_finite (burg);

  zero_snr = json_object_get_double_member (json_object_get_object_member (zero, "lost_snr_db"), "all");
  pnbtr_snr = json_object_get_double_member (json_object_get_object_member (pnbtr, "lost_snr_db"), "all");
  g_assert_cmpfloat (fabs (zero_snr), <, 1e-6);      /* silence: exactly 0 dB */
  g_assert_cmpfloat (pnbtr_snr, >, zero_snr + 3.0);
  /* silence is far from the piano's spectrum and drops to zero from its
   * level at every gap; the prediction continues it */
  g_assert_cmpfloat (json_object_get_double_member (pnbtr, "mel_frame_distance_db"), <,
                     json_object_get_double_member (zero, "mel_frame_distance_db") / 2);
  g_assert_cmpint (json_object_get_int_member (pnbtr, "gap_start_clicks"), <,
                   json_object_get_int_member (zero, "gap_start_clicks"));
  /* a gap's first packet does its set-up: the packets after it go faster */
  g_assert_cmpfloat (json_object_get_double_member (pnbtr, "predicted_samples_per_s_after_start"), >,
                     json_object_get_double_member (pnbtr, "predicted_samples_per_s"));
  /* a real piano: prediction never overshoots the recording's own peak */
  g_assert_cmpfloat (json_object_get_double_member (pnbtr, "peak_ratio"), <=, 1.0);
  g_assert_cmpint (json_object_get_int_member (pnbtr, "overshoot_clips"), ==, 0);
  g_assert_cmpint (json_object_get_int_member (pnbtr, "gap_edges"), ==, 12);
  g_assert_cmpint (json_object_get_int_member (pnbtr, "gap_edge_steps"), <=,
                   json_object_get_int_member (zero, "gap_edge_steps"));
  g_assert_cmpint (json_object_get_int_member (zero, "gap_edge_steps"), >, 0);
}

/* Two copies in each packet, two packets of lookahead: every lost packet
 * with a carrier among the next two restored (all but 90 and 91, whose
 * carriers 91-93 were lost too), each copy a section of 1 + (2 + 82) +
 * (2 + 66) bytes against 256 of s16 */
static void
test_copies (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = g_dir_make_tmp ("jamnet-plc-XXXXXX", &error);
  g_autoptr(JsonParser) pp = json_parser_new (), rp = json_parser_new ();
  JsonObject *pnbtr, *red;

  pnbtr = run_tool (dir, "pnbtr@2", pp);
  red = run_tool (dir, "red2+pnbtr@2", rp);
  check_untouched (dir, "red2+pnbtr@2", 64);
  check_finite (red);
  g_assert_cmpint (json_object_get_int_member (red, "restored_packets"), ==, 9);
  g_assert_cmpint (json_object_get_int_member (pnbtr, "restored_packets"), ==, 0);
  g_assert_cmpfloat_with_epsilon (json_object_get_double_member (red, "copies_share_of_s16"),
                                  153.0 / 256.0, 1e-9);
  g_assert_cmpfloat (json_object_get_double_member (red, "copies_kbps"), >, 0.59 * 768 - 1);
  g_assert_cmpfloat (json_object_get_double_member (pnbtr, "copies_kbps"), ==, 0.0);
  /* restored at 4-5 bits, the rest concealed: far better than concealing all */
  g_assert_cmpfloat (json_object_get_double_member (json_object_get_object_member (red, "lost_snr_db"), "all"), >,
                     json_object_get_double_member (json_object_get_object_member (pnbtr, "lost_snr_db"), "all") + 6);
}

/* --redundancy auto on a clip that loses two packets once: nothing sent
 * before the loss is reported (so those two are concealed), then two
 * copies in each packet until 5 s after the report, then none again */
static void
test_copies_auto (void)
{
  const guint rate = 48000;
  const gsize frames = 8 * rate;
  gsize n_packets = (frames + PACKET - 1) / PACKET;
  gsize hold = 5 * rate / PACKET, every = (gsize) lround ((double) rate / PACKET / 10);
  JnPlcCopies copies = { 0, TRUE, 2 };
  JnPlcResult result;
  g_autofree gboolean *mask = g_new0 (gboolean, n_packets + 1);
  g_autofree float *tone = g_new (float, frames);
  g_autofree float *played = g_new (float, frames);
  double with_copies;

  for (gsize i = 0; i < frames; i++)
    tone[i] = 0.5f * (float) sin (2 * G_PI * 441.0 * i / rate);

  /* a clean clip: nothing */
  jn_plc_result_init (&result);
  jn_plc_restore_copies (tone, frames, 1, PACKET, rate, &copies, mask, played, &result);
  g_assert_cmpfloat (result.copy_bytes, ==, 0.0);
  g_assert_cmpfloat (result.stream_bytes, ==, 2.0 * frames);
  jn_plc_result_clear (&result);

  mask[400] = mask[401] = TRUE;
  jn_plc_result_init (&result);
  jn_plc_restore_copies (tone, frames, 1, PACKET, rate, &copies, mask, played, &result);
  g_assert_true (mask[400] && mask[401]);
  g_assert_cmpuint (result.restored_packets, ==, 0);
  with_copies = result.copy_bytes / 153.0;
  g_assert_cmpfloat (with_copies, ==, floor (with_copies));   /* two copies each time */
  g_assert_cmpfloat (with_copies, <=, hold);
  g_assert_cmpfloat (with_copies, >=, hold - 3 * every);
  jn_plc_result_clear (&result);

  /* a second loss while copies are sent: restored */
  mask[1000] = TRUE;
  jn_plc_result_init (&result);
  jn_plc_restore_copies (tone, frames, 1, PACKET, rate, &copies, mask, played, &result);
  g_assert_false (mask[1000]);
  g_assert_cmpuint (result.restored_packets, ==, 1);
  jn_plc_result_clear (&result);
}

static void
test_traces (void)
{
  g_autoptr(GArray) trace = jn_plc_trace_generate (200000, 0.05, 2.4, 10, 3);
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = g_dir_make_tmp ("jamnet-trace-XXXXXX", &error);
  g_autofree char *path = g_build_filename (dir, "t.txt", NULL);
  g_autoptr(GArray) loaded = NULL;
  guint bursts = 0, longest = 0, run = 0;

  /* the Gilbert model gives the asked loss rate and mean burst length */
  g_assert_cmpfloat (fabs (trace->len / 200000.0 - 0.05), <, 0.005);
  for (guint i = 0; i < trace->len; i++)
    {
      gboolean continues = i > 0 && g_array_index (trace, guint32, i) == g_array_index (trace, guint32, i - 1) + 1;

      run = continues ? run + 1 : 1;
      bursts += !continues;
      longest = MAX (longest, run);
    }
  g_assert_cmpfloat (fabs ((double) trace->len / bursts - 2.4), <, 0.2);
  g_assert_cmpuint (longest, <=, 11);

  /* reproducible, and round-trips through the text form */
  {
    g_autoptr(GArray) again = jn_plc_trace_generate (200000, 0.05, 2.4, 10, 3);

    g_assert_cmpmem (again->data, again->len * 4, trace->data, trace->len * 4);
  }
  g_assert_true (jn_plc_trace_save (trace, path, "test", &error));
  loaded = jn_plc_trace_load (path, &error);
  g_assert_no_error (error);
  g_assert_cmpmem (loaded->data, loaded->len * 4, trace->data, trace->len * 4);

  /* hostile trace files */
  g_assert_true (g_file_set_contents (path, "1\n2\nthree\n", -1, NULL));
  g_assert_null (jn_plc_trace_load (path, &error));
  g_assert_nonnull (strstr (error->message, ":3:"));
  g_clear_error (&error);
  g_assert_true (g_file_set_contents (path, "-4\n", -1, NULL));
  g_assert_null (jn_plc_trace_load (path, &error));
  g_clear_error (&error);
  g_assert_true (g_file_set_contents (path, "99999999999\n", -1, NULL));
  g_assert_null (jn_plc_trace_load (path, &error));
  g_clear_error (&error);
  g_assert_true (g_file_set_contents (path, "  7 \n# c\n\n3\n7\n", -1, NULL));
  g_clear_pointer (&loaded, g_array_unref);
  loaded = jn_plc_trace_load (path, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (loaded->len, ==, 2);
  g_assert_cmpuint (g_array_index (loaded, guint32, 0), ==, 3);
  g_assert_cmpuint (g_array_index (loaded, guint32, 1), ==, 7);
}

int
main (int argc, char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/plc-eval/tool", test_tool);
  g_test_add_func ("/plc-eval/traces", test_traces);
  g_test_add_func ("/plc-eval/copies", test_copies);
  g_test_add_func ("/plc-eval/copies-auto", test_copies_auto);

  return g_test_run ();
}

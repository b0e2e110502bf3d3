/* jamnet-bench-plc.c: jamnet-bench plc, plc-trace and plc-suite
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "jamnet-bench"

#include "config.h"

#include <gio/gio.h>
#include <json-glib/json-glib.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "jamnet-bench.h"
#include "jn-bench-report.h"
#include "jn-plc-eval.h"
#include "jn-wav.h"

static JsonNode *
result_to_json (const JnPlcResult *r, const char *method, guint packet, guint channels)
{
  g_autoptr(JsonBuilder) b = json_builder_new ();

#define NUM(name, value) G_STMT_START { json_builder_set_member_name (b, name); \
                                        json_builder_add_double_value (b, value); } G_STMT_END
#define INT(name, value) G_STMT_START { json_builder_set_member_name (b, name); \
                                        json_builder_add_int_value (b, value); } G_STMT_END
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "method");
  json_builder_add_string_value (b, method);
  INT ("packet_frames", packet);
  INT ("lost_packets", (gint64) r->lost_packets);
  INT ("lost_samples", (gint64) r->lost_samples);
  json_builder_set_member_name (b, "lost_snr_db");
  json_builder_begin_object (b);
  NUM ("all", jn_plc_snr_db (r, 0));
  NUM ("burst_1st", jn_plc_snr_db (r, 1));
  NUM ("burst_2nd", jn_plc_snr_db (r, 2));
  NUM ("burst_3rd_on", jn_plc_snr_db (r, 3));
  json_builder_end_object (b);
  NUM ("file_snr_db", jn_plc_file_snr_db (r));
  NUM ("log_spectral_distance_db", jn_plc_lsd_db (r));
  NUM ("mel_distance_db", jn_plc_mel_db (r));
  NUM ("mel_frame_distance_db", jn_plc_frame_mel_db (r));
  NUM ("peak_ratio", r->signal_peak > 0 ? r->output_peak_lost / r->signal_peak : 0.0);
  INT ("clipped_samples", (gint64) r->clipped);
  INT ("recovery_boundaries", (gint64) r->boundaries);
  INT ("recovery_clicks", (gint64) r->clicks);
  NUM ("worst_click_ratio", r->worst_click_ratio);
  INT ("gap_starts", (gint64) r->starts);
  INT ("gap_start_clicks", (gint64) r->start_clicks);
  INT ("gap_edges", (gint64) r->edges);
  INT ("gap_edge_steps", (gint64) r->edge_steps);
  INT ("overshoot_clips", (gint64) r->overshoot_clips);
  INT ("restored_packets", (gint64) r->restored_packets);
  NUM ("copies_kbps", jn_plc_copy_kbps (r));
  NUM ("copies_share_of_s16", jn_plc_copy_share (r));
  json_builder_set_member_name (b, "conceal_time_us");
  json_builder_begin_object (b);
  NUM ("mean", jn_plc_time_us (r, -1));
  NUM ("p99", jn_plc_time_us (r, 0.99));
  NUM ("max", jn_plc_time_us (r, 1.0));
  json_builder_end_object (b);
  /* the first packet of each gap: where a gap's set-up goes */
  json_builder_set_member_name (b, "gap_start_time_us");
  json_builder_begin_object (b);
  NUM ("mean", jn_plc_times_us (r->start_ns, -1));
  NUM ("p99", jn_plc_times_us (r->start_ns, 0.99));
  NUM ("max", jn_plc_times_us (r->start_ns, 1.0));
  json_builder_end_object (b);
  NUM ("predicted_samples_per_s", jn_plc_samples_per_s (r, packet, channels, FALSE));
  NUM ("predicted_samples_per_s_after_start", jn_plc_samples_per_s (r, packet, channels, TRUE));
  INT ("background_fits", r->fit_ns->len);
  NUM ("background_fit_mean_us", jn_plc_fit_us (r, FALSE));
  NUM ("background_fit_max_us", jn_plc_fit_us (r, TRUE));
  NUM ("background_fit_core_share", jn_plc_fit_load (r));
  json_builder_end_object (b);
#undef NUM
#undef INT
  return json_builder_get_root (b);
}

static gboolean
write_json (JsonNode *root, const char *path, GError **error)
{
  g_autoptr(JsonGenerator) generator = json_generator_new ();

  json_generator_set_root (generator, root);
  json_generator_set_pretty (generator, TRUE);
  return json_generator_to_file (generator, path, error);
}

static void
print_result (const JnPlcResult *r, guint packet, guint channels)
{
  g_print ("  lost packets        %" G_GUINT64_FORMAT "\n", r->lost_packets);
  g_print ("  lost-sample SNR     %.2f dB  (burst 1st %.2f, 2nd %.2f, 3rd+ %.2f)\n",
           jn_plc_snr_db (r, 0), jn_plc_snr_db (r, 1), jn_plc_snr_db (r, 2), jn_plc_snr_db (r, 3));
  g_print ("  whole-file SNR      %.2f dB\n", jn_plc_file_snr_db (r));
  g_print ("  log-spectral dist.  %.2f dB, mel %.2f dB per packet, %.2f dB per 21 ms frame\n",
           jn_plc_lsd_db (r), jn_plc_mel_db (r), jn_plc_frame_mel_db (r));
  g_print ("  peak ratio          %.3f, clipped samples %" G_GUINT64_FORMAT "\n",
           r->signal_peak > 0 ? r->output_peak_lost / r->signal_peak : 0.0, r->clipped);
  g_print ("  recovery clicks     %" G_GUINT64_FORMAT " of %" G_GUINT64_FORMAT
           " boundaries (worst jump %.2f x the signal's own largest step nearby)\n",
           r->clicks, r->boundaries, r->worst_click_ratio);
  g_print ("  gap-start clicks    %" G_GUINT64_FORMAT " of %" G_GUINT64_FORMAT " gap starts\n",
           r->start_clicks, r->starts);
  g_print ("  edge steps          %" G_GUINT64_FORMAT " of %" G_GUINT64_FORMAT
           " gap edges (over 2 x the signal's own largest step nearby, louder than -40 dBFS)\n",
           r->edge_steps, r->edges);
  g_print ("  above its own peak  %s\n", r->overshoot_clips > 0 ? "yes" : "no");
  if (r->stream_bytes > 0)
    g_print ("  copies              %" G_GUINT64_FORMAT " of %" G_GUINT64_FORMAT " lost packets restored; "
             "%.1f kbit/s upload, %.1f %% of the s16 samples'\n",
             r->restored_packets, r->lost_packets, jn_plc_copy_kbps (r), 100 * jn_plc_copy_share (r));
  g_print ("  time per packet     mean %.1f us, p99 %.1f us, max %.1f us; %.2f M predicted samples/s\n",
           jn_plc_time_us (r, -1), jn_plc_time_us (r, 0.99), jn_plc_time_us (r, 1.0),
           jn_plc_samples_per_s (r, packet, channels, FALSE) / 1e6);
  g_print ("  first packet of a gap mean %.1f us, p99 %.1f us, max %.1f us; the packets after it "
           "%.2f M samples/s\n",
           jn_plc_times_us (r->start_ns, -1), jn_plc_times_us (r->start_ns, 0.99),
           jn_plc_times_us (r->start_ns, 1.0), jn_plc_samples_per_s (r, packet, channels, TRUE) / 1e6);
  if (r->fit_ns->len > 0)
    g_print ("  background fits     %u, mean %.1f us, max %.1f us, %.1f %% of one core\n",
             r->fit_ns->len, jn_plc_fit_us (r, FALSE), jn_plc_fit_us (r, TRUE), 100 * jn_plc_fit_load (r));
}

int
jn_bench_plc (int argc, char **argv)
{
  g_autofree char *input = NULL, *trace_path = NULL, *output = NULL, *report = NULL;
  g_autofree char *method = NULL;
  int packet = 128, lookahead = -1;
  guint method_lookahead = 0, refit = 0;
  JnPlcCopies copies = { 0 };
  GOptionEntry entries[] = {
    { "input", 0, 0, G_OPTION_ARG_FILENAME, &input, "Clean WAV file", "FILE" },
    { "lookahead", 0, 0, G_OPTION_ARG_INT, &lookahead, "Packets the jitter buffer holds beyond a lost one (default 0; NAME@N says the same)", "N" },
    { "loss-trace", 0, 0, G_OPTION_ARG_FILENAME, &trace_path, "Packets to drop, one index per line", "FILE" },
    { "method", 0, 0, G_OPTION_ARG_STRING, &method, "zero, repeat, burg[:ORDER:WINDOW], pnbtr[:ORDER:WINDOW][@LOOKAHEAD][/REFIT], opus; redK+ or redauto+ before one: copies of the K packets before in each", "NAME" },
    { "packet", 0, 0, G_OPTION_ARG_INT, &packet, "Frames per packet (default 128)", "N" },
    { "output", 0, 0, G_OPTION_ARG_FILENAME, &output, "Concealed WAV file", "FILE" },
    { "report-json", 0, 0, G_OPTION_ARG_FILENAME, &report, "Write the figures as JSON", "FILE" },
    { NULL }
  };
  g_autoptr(GOptionContext) context = g_option_context_new ("- conceal the packets of a loss trace");
  g_autoptr(GError) error = NULL;
  g_autoptr(JnWav) wav = NULL;
  g_autoptr(GArray) trace = NULL;
  g_autoptr(JnWavWriter) writer = NULL;
  g_autofree float *out = NULL;
  JnPlcResult result;
  PnbtrConfig config;

  g_option_context_add_main_entries (context, entries, NULL);
  if (!g_option_context_parse (context, &argc, &argv, &error))
    return jn_bench_fail (error->message);
  /* defaults after parsing: GOption does not free what it replaces */
  if (method == NULL)
    method = g_strdup ("pnbtr");
  if (input == NULL || trace_path == NULL || output == NULL)
    return jn_bench_fail ("plc needs --input, --loss-trace and --output");
  if (packet < 1 || packet > PNBTR_MAX_FRAMES)
    return jn_bench_fail ("--packet must be 1..1024 frames");
  if ((wav = jn_wav_load (input, &error)) == NULL ||
      (trace = jn_plc_trace_load (trace_path, &error)) == NULL)
    return jn_bench_fail (error->message);
  if (wav->channels > PNBTR_MAX_CHANNELS)
    return jn_bench_fail ("at most 8 channels");
  if (g_str_equal (method, "opus"))
    ;
  else if (!jn_plc_parse_method (method, wav->rate, wav->channels, (guint) packet, &config, &method_lookahead,
                                 &refit, &copies))
    return jn_bench_fail ("unknown --method (zero, repeat, burg, burg:ORDER:WINDOW, pnbtr, pnbtr:ORDER:WINDOW, "
                          "then @LOOKAHEAD and /REFIT; red1+ to red4+ or redauto+ before)");
  if (lookahead >= 0)
    {
      method_lookahead = (guint) lookahead;
      copies.window = MAX (method_lookahead, 1);
    }

  out = g_new0 (float, wav->frames * wav->channels + 1);
  jn_plc_result_init (&result);
  if (g_str_equal (method, "opus")
      ? !jn_plc_run_opus (wav->samples, wav->frames, wav->channels, wav->rate, (guint) packet, trace,
                          out, &result, &error)
      : !jn_plc_run (wav->samples, wav->frames, wav->channels, (guint) packet, trace, &config,
                     method_lookahead, refit, &copies, wav->rate, out, &result, &error))
    return jn_bench_fail (error->message);
  if (trace->len > 0 && g_array_index (trace, guint32, trace->len - 1) >=
      (wav->frames + packet - 1) / packet)
    g_printerr ("note: the trace lists packets beyond the end of the file; they were ignored\n");

  writer = jn_wav_writer_new (output, wav->rate, wav->channels, &error);
  if (writer == NULL || !jn_wav_writer_write (writer, out, wav->frames, &error) ||
      !jn_wav_writer_close (writer, &error))
    return jn_bench_fail (error->message);

  g_print ("plc: %s, %s, %d-frame packets\n", input, method, packet);
  print_result (&result, (guint) packet, wav->channels);
  if (report != NULL)
    {
      g_autoptr(JsonNode) root = result_to_json (&result, method, (guint) packet, wav->channels);

      if (!write_json (root, report, &error))
        return jn_bench_fail (error->message);
    }
  jn_plc_result_clear (&result);
  return 0;
}

int
jn_bench_plc_trace (int argc, char **argv)
{
  int packets = 0, burst_max = 10;
  double loss = 0.05, burst_mean = 2.0;
  int seed = 1;
  g_autofree char *output = NULL;
  GOptionEntry entries[] = {
    { "packets", 0, 0, G_OPTION_ARG_INT, &packets, "Length of the trace in packets", "M" },
    { "loss", 0, 0, G_OPTION_ARG_DOUBLE, &loss, "Long-run loss rate, 0..0.95 (default 0.05)", "P" },
    { "burst-mean", 0, 0, G_OPTION_ARG_DOUBLE, &burst_mean, "Mean burst length in packets (default 2)", "B" },
    { "burst-max", 0, 0, G_OPTION_ARG_INT, &burst_max, "Longest burst (default 10)", "N" },
    { "seed", 0, 0, G_OPTION_ARG_INT, &seed, "Random seed (default 1)", "S" },
    { "output", 0, 0, G_OPTION_ARG_FILENAME, &output, "Write here instead of standard output", "FILE" },
    { NULL }
  };
  g_autoptr(GOptionContext) context = g_option_context_new ("- write a bursty loss trace (Gilbert model)");
  g_autoptr(GError) error = NULL;
  g_autoptr(GArray) trace = NULL;
  g_autofree char *comment = NULL;

  g_option_context_add_main_entries (context, entries, NULL);
  if (!g_option_context_parse (context, &argc, &argv, &error))
    return jn_bench_fail (error->message);
  if (packets <= 0 || loss < 0 || loss > 0.95 || burst_mean < 1 || burst_max < 1)
    return jn_bench_fail ("plc-trace needs --packets > 0, --loss 0..0.95, --burst-mean >= 1");

  trace = jn_plc_trace_generate ((guint) packets, loss, burst_mean, (guint) burst_max, (guint32) seed);
  comment = g_strdup_printf ("plc-trace packets=%d loss=%g burst-mean=%g burst-max=%d seed=%d lost=%u",
                             packets, loss, burst_mean, burst_max, seed, trace->len);
  if (output != NULL)
    {
      if (!jn_plc_trace_save (trace, output, comment, &error))
        return jn_bench_fail (error->message);
    }
  else
    {
      g_print ("# %s\n", comment);
      for (guint i = 0; i < trace->len; i++)
        g_print ("%u\n", g_array_index (trace, guint32, i));
    }
  return 0;
}

/* --- suite --------------------------------------------------------------- */

typedef struct
{
  const char *label;
  double      target_snr;     /* at 5 % loss, NAN: none */
} Reference;

static const Reference references[] = {
  { "zero", 0.0 },
  { "repeat", -3.4 },
  { "burg", 3.1 },
  { "burg:32:2048", 4.2 },
  { "burg:128:4096", 5.9 },
  { "burg:1024:8192", 10.4 },
  { "opus", 2.3 },
};

static double
reference_snr (const char *method)
{
  for (guint i = 0; i < G_N_ELEMENTS (references); i++)
    if (g_str_equal (references[i].label, method))
      return references[i].target_snr;
  return NAN;
}

/* The table's figures: suite "plc", METHOD.FIGURE.LOSSpct */
static void
add_plc_figures (const char *method, const char *loss, JnPlcResult *total, guint packet)
{
  JnReport *r = jn_bench_report ();
  g_autofree char *snr = g_strdup_printf ("%s.snr_db.%spct", method, loss);
  g_autofree char *third = g_strdup_printf ("%s.snr_3rd_db.%spct", method, loss);
  g_autofree char *mel = g_strdup_printf ("%s.mel_db.%spct", method, loss);
  g_autofree char *mel_frame = g_strdup_printf ("%s.mel_frame_db.%spct", method, loss);
  g_autofree char *time = g_strdup_printf ("%s.conceal_us.%spct", method, loss);

  jn_report_add_value (r, "plc", snr, "dB", JN_BETTER_HIGHER, jn_plc_snr_db (total, 0));
  jn_report_add_value (r, "plc", third, "dB", JN_BETTER_HIGHER, jn_plc_snr_db (total, 3));
  jn_report_add_value (r, "plc", mel, "dB", JN_BETTER_LOWER, jn_plc_mel_db (total));
  jn_report_add_value (r, "plc", mel_frame, "dB", JN_BETTER_LOWER, jn_plc_frame_mel_db (total));
  jn_report_add_samples (r, "plc", time, "us", JN_BETTER_LOWER, (double *) total->conceal_ns->data,
                         total->conceal_ns->len);
  /* the conceal times went in as ns: the figure is in us */
  {
    JnFigure *f = jn_report_find_figure (r, "plc", time);

    for (guint i = 0; i < f->samples->len; i++)
      g_array_index (f->samples, double, i) /= 1000.0;
    jn_describe ((double *) f->samples->data, f->samples->len, &f->d);
  }
  if (total->stream_bytes > 0)
    {
      g_autofree char *share = g_strdup_printf ("%s.copies_share.%spct", method, loss);
      g_autofree char *kbps = g_strdup_printf ("%s.copies_kbps.%spct", method, loss);

      jn_report_add_value (r, "plc", share, "", JN_BETTER_LOWER, jn_plc_copy_share (total));
      jn_report_add_value (r, "plc", kbps, "kbit/s", JN_BETTER_LOWER, jn_plc_copy_kbps (total));
    }
  if (g_str_has_prefix (method, "pnbtr"))
    {
      g_autofree char *burg = g_strdup_printf ("burg:1024:8192.snr_db.%spct", loss);
      g_autofree char *gain = g_strdup_printf ("%s.gain_over_burg1024_db.%spct", method, loss);
      JnFigure *b = jn_report_find_figure (r, "plc", burg);

      if (b != NULL)
        jn_report_add_value (r, "plc", gain, "dB", JN_BETTER_HIGHER,
                             jn_plc_snr_db (total, 0) - jn_figure_value (b));
    }
}

/* lost-sample SNR over the loss rates, one line per method */
static void
plc_charts (char **methods, char **losses)
{
  JnReport *r = jn_bench_report ();
  JnChart *c = jn_report_add_chart (r, JN_CHART_LINES, "plc: lost-sample SNR per method",
                                    "loss rate (%)", "dB");
  JnChart *m = jn_report_add_chart (r, JN_CHART_BARS, "plc: mel log-spectral distance at 5 % loss",
                                    "method", "dB");
  JnChartSeries *mel = jn_chart_add_series (m, "per 21 ms frame");
  JnChartSeries *mel_packet = jn_chart_add_series (m, "per lost packet");

  for (guint i = 0; methods[i] != NULL; i++)
    {
      JnChartSeries *s = jn_chart_add_series (c, methods[i]);
      g_autofree char *mel_id = g_strdup_printf ("%s.mel_frame_db.5pct", methods[i]);
      g_autofree char *mel_packet_id = g_strdup_printf ("%s.mel_db.5pct", methods[i]);
      JnFigure *mf = jn_report_find_figure (r, "plc", mel_id);
      JnFigure *mpf = jn_report_find_figure (r, "plc", mel_packet_id);

      for (guint l = 0; losses[l] != NULL; l++)
        {
          g_autofree char *id = g_strdup_printf ("%s.snr_db.%spct", methods[i], losses[l]);
          JnFigure *f = jn_report_find_figure (r, "plc", id);

          if (f != NULL)
            jn_chart_series_add (s, g_ascii_strtod (losses[l], NULL), jn_figure_value (f));
        }
      jn_chart_add_category (m, methods[i]);
      jn_chart_series_add (mel, i, mf ? jn_figure_value (mf) : NAN);
      jn_chart_series_add (mel_packet, i, mpf ? jn_figure_value (mpf) : NAN);
    }
}

/* The clips' kinds, by name (bench/corpus/make-corpus.py): rec-* are
 * recordings; the others synthesized, FluidR3's (the corpus PNBTR was
 * tuned on) without a prefix, other soundfonts' with one */
enum { KIND_FLUIDR3, KIND_OTHER_SF, KIND_RECORDED, N_KINDS };

static guint
clip_kind (const char *name)
{
  if (g_str_has_prefix (name, "rec-"))
    return KIND_RECORDED;
  return strchr (name, '-') != NULL ? KIND_OTHER_SF : KIND_FLUIDR3;
}

/* one clip's figures in one run */
typedef struct
{
  double  snr;
  double  mel_frame;
  guint64 edge_steps;
  gboolean overshoot;
} Cell;

typedef struct
{
  guint  methods, losses, seeds, files;
  Cell  *cells;
} Grid;

static Cell *
grid_cell (Grid *g, guint m, guint l, guint s, guint f)
{
  return &g->cells[((m * g->losses + l) * g->seeds + s) * g->files + f];
}

/* the mean over clips (of a kind, or all: N_KINDS) of each clip's SNR, in
 * one seed's run */
static double
clip_mean (Grid *g, guint m, guint l, guint s, GPtrArray *files, guint kind, guint *count)
{
  double sum = 0.0;
  guint n = 0;

  for (guint f = 0; f < g->files; f++)
    if (kind == N_KINDS || clip_kind (files->pdata[f]) == kind)
      {
        sum += grid_cell (g, m, l, s, f)->snr;
        n++;
      }
  if (count != NULL)
    *count = n;
  return n > 0 ? sum / n : NAN;
}

static gint
find_method (char **methods, const char *name)
{
  for (guint i = 0; methods[i] != NULL; i++)
    if (g_str_equal (methods[i], name))
      return (gint) i;
  return -1;
}

/* per seed: the least, over seeds, of the worst (of clips) margin of
 * method m over method ref; and how many (seed, clip) fell below `floor` */
static double
worst_margin (Grid *g, guint m, guint ref, guint l, double floor, guint *below)
{
  double worst = INFINITY;

  *below = 0;
  for (guint s = 0; s < g->seeds; s++)
    for (guint f = 0; f < g->files; f++)
      {
        double d = grid_cell (g, m, l, s, f)->snr - grid_cell (g, ref, l, s, f)->snr;

        worst = MIN (worst, d);
        if (d < floor)
          (*below)++;
      }
  return worst;
}

int
jn_bench_plc_suite (int argc, char **argv)
{
  g_autofree char *corpus = NULL, *report = NULL;
  g_autofree char *methods_arg = NULL;
  g_autofree char *loss_arg = NULL, *seeds_arg = NULL;
  int packet = 128, burst_max = 10, seed = 0;
  double burst_mean = 2.4;
  GOptionEntry entries[] = {
    { "corpus", 0, 0, G_OPTION_ARG_FILENAME, &corpus, "Folder of WAV files (bench/corpus/make-corpus.py)", "DIR" },
    { "methods", 0, 0, G_OPTION_ARG_STRING, &methods_arg, "Comma-separated methods", "LIST" },
    { "loss", 0, 0, G_OPTION_ARG_STRING, &loss_arg, "Comma-separated loss rates in % (default 1,2,5,10,20)", "LIST" },
    { "packet", 0, 0, G_OPTION_ARG_INT, &packet, "Frames per packet (default 128)", "N" },
    { "burst-mean", 0, 0, G_OPTION_ARG_DOUBLE, &burst_mean, "Mean burst length (default 2.4)", "B" },
    { "burst-max", 0, 0, G_OPTION_ARG_INT, &burst_max, "Longest burst (default 10)", "N" },
    { "seeds", 0, 0, G_OPTION_ARG_STRING, &seeds_arg, "Comma-separated trace seeds (default 1,2,3)", "LIST" },
    { "seed", 0, 0, G_OPTION_ARG_INT, &seed, "One trace seed (the same as --seeds S)", "S" },
    { "report-json", 0, 0, G_OPTION_ARG_FILENAME, &report, "Write every figure as JSON", "FILE" },
    { NULL }
  };
  g_autoptr(GOptionContext) context = g_option_context_new ("- every method over a corpus, loss rates and trace seeds");
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) files = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GPtrArray) wavs = g_ptr_array_new_with_free_func ((GDestroyNotify) jn_wav_free);
  g_auto(GStrv) methods = NULL, losses = NULL, seed_texts = NULL;
  g_autofree guint32 *seeds = NULL;
  g_autoptr(GDir) dir = NULL;
  g_autoptr(JsonBuilder) json = json_builder_new ();
  g_autoptr(GString) verdicts = g_string_new (NULL);
  g_autoptr(GString) clip_table = g_string_new (NULL);
  g_autofree double *clean_share = NULL;
  guint n_methods, n_losses, n_seeds;
  Grid grid;
  const char *name;

  g_option_context_add_main_entries (context, entries, NULL);
  if (!g_option_context_parse (context, &argc, &argv, &error))
    return jn_bench_fail (error->message);
  if (methods_arg == NULL)
    methods_arg = g_strdup (jn_plc_have_opus ()
                            ? "zero,repeat,burg,burg:32:2048,burg:128:4096,burg:1024:8192,opus,pnbtr,pnbtr@2,"
                              "pnbtr@2/3,red2+pnbtr@2/3,redauto+pnbtr@2/3"
                            : "zero,repeat,burg,burg:32:2048,burg:128:4096,burg:1024:8192,pnbtr,pnbtr@2,"
                              "pnbtr@2/3,red2+pnbtr@2/3,redauto+pnbtr@2/3");
  if (loss_arg == NULL)
    loss_arg = g_strdup ("1,2,5,10,20");
  if (seeds_arg == NULL)
    seeds_arg = seed > 0 ? g_strdup_printf ("%d", seed) : g_strdup ("1,2,3");
  if (corpus == NULL)
    return jn_bench_fail ("plc-suite needs --corpus DIR (make one with bench/corpus/make-corpus.py DIR)");
  if ((dir = g_dir_open (corpus, 0, &error)) == NULL)
    return jn_bench_fail (error->message);
  while ((name = g_dir_read_name (dir)) != NULL)
    if (g_str_has_suffix (name, ".wav"))
      g_ptr_array_add (files, g_strdup (name));
  g_ptr_array_sort (files, (GCompareFunc) jn_bench_compare_strings);
  if (files->len == 0)
    return jn_bench_fail ("no .wav files in the corpus folder");
  for (guint i = 0; i < files->len; i++)
    {
      g_autofree char *path = g_build_filename (corpus, files->pdata[i], NULL);
      JnWav *wav = jn_wav_load (path, &error);

      if (wav == NULL)
        return jn_bench_fail (error->message);
      g_ptr_array_add (wavs, wav);
    }
  methods = g_strsplit (methods_arg, ",", -1);
  losses = g_strsplit (loss_arg, ",", -1);
  seed_texts = g_strsplit (seeds_arg, ",", -1);
  n_methods = g_strv_length (methods);
  n_losses = g_strv_length (losses);
  n_seeds = g_strv_length (seed_texts);
  seeds = g_new (guint32, n_seeds);
  for (guint s = 0; s < n_seeds; s++)
    {
      guint64 v;

      if (!g_ascii_string_to_unsigned (seed_texts[s], 10, 1, G_MAXINT32, &v, NULL))
        return jn_bench_fail ("--seeds takes whole numbers from 1, separated by commas");
      seeds[s] = (guint32) v;
    }
  for (guint l = 0; l < n_losses; l++)
    {
      char *end = NULL;
      double v = g_ascii_strtod (losses[l], &end);

      if (end == losses[l] || *end != '\0' || !(v >= 0 && v <= 95))
        return jn_bench_fail ("--loss takes rates in % from 0 to 95, separated by commas");
    }
  /* every method understood before an hour is spent on the first */
  for (guint m = 0; m < n_methods; m++)
    {
      PnbtrConfig config;
      guint la, every;
      JnPlcCopies copies;

      if (!g_str_equal (methods[m], "opus") &&
          !jn_plc_parse_method (methods[m], 48000, 1, (guint) packet, &config, &la, &every, &copies))
        {
          g_autofree char *message = g_strdup_printf ("unknown method “%s” in --methods", methods[m]);

          return jn_bench_fail (message);
        }
    }
  grid.methods = n_methods;
  grid.losses = n_losses;
  grid.seeds = n_seeds;
  grid.files = files->len;
  grid.cells = g_new0 (Cell, (gsize) n_methods * n_losses * n_seeds * files->len);
  clean_share = g_new0 (double, n_methods);

  {
    guint kinds[N_KINDS] = { 0 };

    for (guint f = 0; f < files->len; f++)
      kinds[clip_kind (files->pdata[f])]++;
    g_print ("plc-suite: %u files from %s (%u FluidR3, %u other soundfonts, %u recorded), %d-frame packets, "
             "Gilbert bursts (mean %.1f, max %d), seeds %s\n",
             files->len, corpus, kinds[KIND_FLUIDR3], kinds[KIND_OTHER_SF], kinds[KIND_RECORDED], packet,
             burst_mean, burst_max, seeds_arg);
  }
  g_print ("  pooled over every clip and seed: lost-sample SNR (dB) by burst position, log-spectral and mel "
           "distance (dB), whole-file SNR, conceal time per packet\n\n");
  g_print ("%-18s %5s %7s %7s %7s %7s %6s %6s %6s %7s %6s %8s %8s %7s %7s %s\n", "method", "loss%", "SNR",
           "1st", "2nd", "3rd+", "LSD", "mel/p", "mel/f", "file", "peak", "mean us", "p99 us", "Msmp/s",
           "fit%cpu", "target SNR @5%");
  g_string_append_printf (clip_table,
                          "\nmeans over clips of each clip's lost-sample SNR (dB): all clips, synthesized, "
                          "recorded, FluidR3 (tuned on), other soundfonts; the spread is of the all-clips mean "
                          "over the seeds; edge steps (gap edges with a jump over 2 x the signal's own largest "
                          "step nearby, louder than -40 dBFS) and clips above their own peak, over every seed; "
                          "packets restored from copies and the copies' upload\n\n"
                          "%-18s %5s %6s %6s %6s %6s %6s %13s %6s %9s %8s %8s %6s\n",
                          "method", "loss%", "all", "synth", "rec", "fluid", "other", "seeds min..max",
                          "steps", "overshoot", "restored", "copies", "% s16");

  json_builder_begin_object (json);
  json_builder_set_member_name (json, "runs");
  json_builder_begin_array (json);

  for (guint m = 0; m < n_methods; m++)
    for (guint l = 0; l < n_losses; l++)
      {
        double loss = g_ascii_strtod (losses[l], NULL) / 100.0;
        gboolean opus = g_str_equal (methods[m], "opus");
        JnPlcResult total;

        jn_plc_result_init (&total);
        for (guint s = 0; s < n_seeds; s++)
          for (guint f = 0; f < wavs->len; f++)
            {
              JnWav *wav = wavs->pdata[f];
              PnbtrConfig config;
              guint la = 0, every = 0;
              JnPlcCopies copies = { 0 };
              g_autoptr(GArray) trace = NULL;
              g_autofree float *out = NULL;
              JnPlcResult one;
              Cell *cell = grid_cell (&grid, m, l, s, f);
              /* Opus packs 2.5 ms frames: 120 frames at 48 kHz stand for 128 */
              guint frames_per_packet = opus ? 120 : (guint) packet;

              if (!opus)
                jn_plc_parse_method (methods[m], wav->rate, wav->channels, (guint) packet, &config, &la,
                                     &every, &copies);
              /* the same trace for every method: seeded by seed, file and loss rate */
              trace = jn_plc_trace_generate ((guint) ((wav->frames + frames_per_packet - 1) / frames_per_packet),
                                             loss, burst_mean, (guint) burst_max,
                                             (guint32) (seeds[s] * 7919 + f * 104729 + (guint) lround (loss * 10000)));
              out = g_new0 (float, wav->frames * wav->channels + 1);
              jn_plc_result_init (&one);
              if (opus ? !jn_plc_run_opus (wav->samples, wav->frames, wav->channels, wav->rate, 120, trace,
                                           out, &one, &error)
                       : !jn_plc_run (wav->samples, wav->frames, wav->channels, (guint) packet, trace, &config,
                                      la, every, &copies, wav->rate, out, &one, &error))
                return jn_bench_fail (error->message);
              cell->snr = jn_plc_snr_db (&one, 0);
              cell->mel_frame = jn_plc_frame_mel_db (&one);
              cell->edge_steps = one.edge_steps;
              cell->overshoot = one.overshoot_clips > 0;
              if (fabs (loss - 0.05) < 1e-9 && s == 0)
                g_print ("    %-24s %-18s SNR %6.2f dB, 3rd+ %6.2f, mel %5.2f / %5.2f\n", (char *) files->pdata[f],
                         methods[m], jn_plc_snr_db (&one, 0), jn_plc_snr_db (&one, 3), jn_plc_mel_db (&one),
                         jn_plc_frame_mel_db (&one));
              json_builder_begin_object (json);
              json_builder_set_member_name (json, "file");
              json_builder_add_string_value (json, files->pdata[f]);
              json_builder_set_member_name (json, "loss");
              json_builder_add_double_value (json, loss);
              json_builder_set_member_name (json, "seed");
              json_builder_add_int_value (json, seeds[s]);
              json_builder_set_member_name (json, "result");
              json_builder_add_value (json, result_to_json (&one, methods[m], (guint) packet, wav->channels));
              json_builder_end_object (json);
              jn_plc_result_merge (&total, &one);
              jn_plc_result_clear (&one);
            }
        {
          double target = reference_snr (methods[m]);
          g_autofree char *target_text = isnan (target) ? g_strdup (g_str_has_prefix (methods[m], "pnbtr") ? ">= 13.5" : "")
                                                        : g_strdup_printf ("%.1f (seed figure)", target);
          double lo = INFINITY, hi = -INFINITY;
          guint steps_total = 0, overshoots = 0;

          for (guint s = 0; s < n_seeds; s++)
            {
              double v = clip_mean (&grid, m, l, s, files, N_KINDS, NULL);

              lo = MIN (lo, v);
              hi = MAX (hi, v);
              for (guint f = 0; f < files->len; f++)
                {
                  steps_total += grid_cell (&grid, m, l, s, f)->edge_steps;
                  overshoots += grid_cell (&grid, m, l, s, f)->overshoot;
                }
            }
          {
            /* the kinds' means, over the seeds too */
            double kind_mean[N_KINDS + 1] = { 0 }, synth = 0.0;

            for (guint k = 0; k <= N_KINDS; k++)
              for (guint s = 0; s < n_seeds; s++)
                kind_mean[k] += clip_mean (&grid, m, l, s, files, k, NULL) / n_seeds;
            {
              guint nf = 0, no = 0;

              for (guint s = 0; s < n_seeds; s++)
                {
                  double a = clip_mean (&grid, m, l, s, files, KIND_FLUIDR3, &nf);
                  double b = clip_mean (&grid, m, l, s, files, KIND_OTHER_SF, &no);

                  synth += (nf + no) > 0 ? ((nf ? a * nf : 0) + (no ? b * no : 0)) / (nf + no) / n_seeds : NAN;
                }
            }
            g_string_append_printf (clip_table,
                                    "%-18s %5.1f %6.2f %6.2f %6.2f %6.2f %6.2f %6.2f..%-6.2f %6u %4u of %-3u",
                                    methods[m], loss * 100, kind_mean[N_KINDS], synth, kind_mean[KIND_RECORDED],
                                    kind_mean[KIND_FLUIDR3], kind_mean[KIND_OTHER_SF], lo, hi, steps_total,
                                    overshoots, n_seeds * files->len);
            if (total.stream_bytes > 0)
              g_string_append_printf (clip_table, " %7.1f%% %8.1f %6.1f\n",
                                      total.lost_packets ? 100.0 * total.restored_packets / total.lost_packets : 0.0,
                                      jn_plc_copy_kbps (&total), 100 * jn_plc_copy_share (&total));
            else
              g_string_append (clip_table, "\n");
          }

          if (g_str_has_prefix (methods[m], "pnbtr") && fabs (loss - 0.05) < 1e-9)
            {
#define VERDICT(ok) ((ok) ? "met" : "NOT met")
              double worst_ms = jn_plc_time_us (&total, 1.0) / 1000.0;
              double rate = jn_plc_samples_per_s (&total, (guint) packet, 1, FALSE);
              double rate_after = jn_plc_samples_per_s (&total, (guint) packet, 1, TRUE);

              g_string_append_printf (verdicts,
                "  %s at 5 %% (pooled over clips and seeds):\n"
                "    lost-sample SNR %.2f dB, target >= 13.5 dB: %s\n"
                "    3rd+ packets %.2f dB, target >= 11 dB: %s\n"
                "    mel distance %.2f dB per 21 ms frame (%.2f per lost packet), target <= 1.0 dB: %s\n"
                "    clipped samples %" G_GUINT64_FORMAT ", target 0: %s\n"
                "    worst time per packet %.2f ms, target < 1 ms: %s\n"
                "    %.2f M predicted samples/s, target >= 16.4 M: %s (after a gap's first packet, "
                "which does its set-up: %.1f M)\n"
                "    recovery clicks %" G_GUINT64_FORMAT " of %" G_GUINT64_FORMAT " (jump into the first real sample "
                "> the signal's largest step within 16 samples), at gap starts %" G_GUINT64_FORMAT
                " of %" G_GUINT64_FORMAT "\n",
                methods[m], jn_plc_snr_db (&total, 0), VERDICT (jn_plc_snr_db (&total, 0) >= 13.5),
                jn_plc_snr_db (&total, 3), VERDICT (jn_plc_snr_db (&total, 3) >= 11.0),
                jn_plc_frame_mel_db (&total), jn_plc_mel_db (&total),
                VERDICT (jn_plc_frame_mel_db (&total) <= 1.0),
                total.clipped, VERDICT (total.clipped == 0),
                worst_ms, VERDICT (worst_ms < 1.0), rate / 1e6, VERDICT (rate >= 16.4e6), rate_after / 1e6,
                total.clicks, total.boundaries, total.start_clicks, total.starts);
            }
          add_plc_figures (methods[m], losses[l], &total, (guint) packet);
          g_print ("%-18s %5.1f %7.2f %7.2f %7.2f %7.2f %6.2f %6.2f %6.2f %7.2f %6.3f %8.1f %8.1f %7.2f %7.1f %s\n",
                   methods[m], loss * 100, jn_plc_snr_db (&total, 0), jn_plc_snr_db (&total, 1),
                   jn_plc_snr_db (&total, 2), jn_plc_snr_db (&total, 3), jn_plc_lsd_db (&total),
                   jn_plc_mel_db (&total), jn_plc_frame_mel_db (&total), jn_plc_file_snr_db (&total),
                   total.signal_peak > 0 ? total.output_peak_lost / total.signal_peak : 0.0,
                   jn_plc_time_us (&total, -1), jn_plc_time_us (&total, 0.99),
                   jn_plc_samples_per_s (&total, (guint) packet, 1, FALSE) / 1e6,
                   100 * jn_plc_fit_load (&total),
                   fabs (loss - 0.05) < 1e-9 ? target_text : "");
        }
        jn_plc_result_clear (&total);
      }

  /* the copies' cost on a clean network: what they would send with
   * nothing lost */
  for (guint m = 0; m < n_methods; m++)
    {
      PnbtrConfig config;
      guint la, every;
      JnPlcCopies copies;
      JnPlcResult clean;

      if (g_str_equal (methods[m], "opus") ||
          !jn_plc_parse_method (methods[m], 48000, 1, (guint) packet, &config, &la, &every, &copies) ||
          (copies.k == 0 && !copies.automatic))
        continue;
      jn_plc_result_init (&clean);
      for (guint f = 0; f < wavs->len; f++)
        {
          JnWav *wav = wavs->pdata[f];
          gsize n_packets = (wav->frames + packet - 1) / packet;
          g_autofree gboolean *none = g_new0 (gboolean, n_packets + 1);
          g_autofree float *played = g_new (float, wav->frames * wav->channels);

          jn_plc_restore_copies (wav->samples, wav->frames, wav->channels, (guint) packet, wav->rate, &copies,
                                 none, played, &clean);
        }
      clean_share[m] = jn_plc_copy_share (&clean);
      jn_plc_result_clear (&clean);
    }

  json_builder_end_array (json);
  json_builder_end_object (json);
  g_print ("%s", clip_table->str);
  for (guint m = 0; m < n_methods; m++)
    if (clean_share[m] > 0 || strchr (methods[m], '+') != NULL)
      g_print ("%-18s   0.0 (clean network: copies %.1f %% of the s16 samples')\n", methods[m], 100 * clean_share[m]);

  /* the targets, where the methods they compare ran */
  {
    gint burg = find_method (methods, "burg:1024:8192");

    g_print ("\ntargets (loss recovery; per clip and per seed where they say \"any\")\n");
    for (guint m = 0; m < n_methods; m++)
      for (guint l = 0; l < n_losses; l++)
        {
          double loss = g_ascii_strtod (losses[l], NULL);
          const char *plus = strchr (methods[m], '+');
          gint alone = plus != NULL ? find_method (methods, plus + 1) : -1;
          guint below;

          if (plus != NULL && alone >= 0)
            {
              double worst = worst_margin (&grid, m, (guint) alone, l, -0.05, &below);

              g_print ("  %s at %g %%: never worse than %s on any clip: worst %+.2f dB, %u of %u (clip, seed) "
                       "more than 0.05 dB worse: %s\n",
                       methods[m], loss, plus + 1, worst, below, n_seeds * files->len, below == 0 ? "met" : "NOT met");
            }
          if (plus != NULL && fabs (loss - 5) < 1e-9)
            {
              double all = 0.0, mel = 0.0, share;
              for (guint s = 0; s < n_seeds; s++)
                all += clip_mean (&grid, m, l, s, files, N_KINDS, NULL) / n_seeds;
              for (guint s = 0; s < n_seeds; s++)
                for (guint f = 0; f < files->len; f++)
                  mel += grid_cell (&grid, m, l, s, f)->mel_frame / (n_seeds * files->len);
              {
                g_autofree char *id = g_strdup_printf ("%s.copies_share.%spct", methods[m], losses[l]);
                JnFigure *fig = jn_report_find_figure (jn_bench_report (), "plc", id);

                share = fig != NULL ? jn_figure_value (fig) : NAN;
              }
              g_print ("  %s at 5 %%: lost-sample SNR %.2f dB (mean over clips), target >= 14 dB: %s; "
                       "mel distance %.2f dB per 21 ms frame, target <= 1.0 dB: %s; copies %.1f %% of the "
                       "s16 stream, target <= 60 %%: %s; on a clean network %.1f %%, target 0: %s\n",
                       methods[m], all, all >= 14 ? "met" : "NOT met", mel, mel <= 1.0 ? "met" : "NOT met",
                       100 * share, share <= 0.60 ? "met" : "NOT met", 100 * clean_share[m],
                       clean_share[m] == 0 ? "met" : "NOT met");
            }
          if (plus == NULL && g_str_has_prefix (methods[m], "pnbtr") && burg >= 0)
            {
              double worst = worst_margin (&grid, m, (guint) burg, l, -0.5, &below);
              double least_rec = INFINITY;

              for (guint s = 0; s < n_seeds; s++)
                least_rec = MIN (least_rec, clip_mean (&grid, m, l, s, files, KIND_RECORDED, NULL) -
                                            clip_mean (&grid, (guint) burg, l, s, files, KIND_RECORDED, NULL));
              g_print ("  %s at %g %%: over Burg-1024 on the recorded clips by %+.2f dB on the worst seed, "
                       "target >= +1 dB: %s; worst clip %+.2f dB, %u (clip, seed) more than 0.5 dB worse, "
                       "target none: %s\n",
                       methods[m], loss, least_rec, least_rec >= 1.0 ? "met" : "NOT met", worst, below,
                       below == 0 ? "met" : "NOT met");
            }
          if (burg >= 0 && (gint) m != burg && g_strcmp0 (methods[m], "zero") != 0)
            {
              guint mine = 0, theirs = 0, over = 0;

              for (guint s = 0; s < n_seeds; s++)
                for (guint f = 0; f < files->len; f++)
                  {
                    mine += grid_cell (&grid, m, l, s, f)->edge_steps;
                    theirs += grid_cell (&grid, (guint) burg, l, s, f)->edge_steps;
                    over += grid_cell (&grid, m, l, s, f)->overshoot;
                  }
              if (g_str_has_prefix (methods[m], "pnbtr") || plus != NULL)
                g_print ("  %s at %g %%: %u edge steps against Burg-1024's %u, target fewer: %s; "
                         "%u runs above the clip's own peak, target none: %s\n",
                         methods[m], loss, mine, theirs, mine <= theirs ? "met" : "NOT met", over,
                         over == 0 ? "met" : "NOT met");
            }
        }
  }
  g_free (grid.cells);
  plc_charts (methods, losses);
  jn_report_add_suite (jn_bench_report (), "plc", TRUE, NULL);
  if (verdicts->len > 0)
    g_print ("\ntargets (the first PLC issue: beat high-order Burg by 3 dB; the seed's figures are beside the rows)\n%s",
             verdicts->str);
  if (report != NULL)
    {
      g_autoptr(JsonNode) root = json_builder_get_root (json);

      if (!write_json (root, report, &error))
        return jn_bench_fail (error->message);
    }
  return 0;
}

/* --- training data for the learned blend --------------------------------- */

int
jn_bench_plc_features (int argc, char **argv)
{
  g_autofree char *corpus = NULL, *output = NULL;
  double loss = 0.05, burst_mean = 2.4;
  int packet = 128, seed = 101;
  GOptionEntry entries[] = {
    { "corpus", 0, 0, G_OPTION_ARG_FILENAME, &corpus, "Folder of WAV files", "DIR" },
    { "output", 0, 0, G_OPTION_ARG_FILENAME, &output, "Binary float32 records: position, confidence, lpc, pitch, truth", "FILE" },
    { "loss", 0, 0, G_OPTION_ARG_DOUBLE, &loss, "Loss rate (default 0.05)", "P" },
    { "burst-mean", 0, 0, G_OPTION_ARG_DOUBLE, &burst_mean, "Mean burst (default 2.4)", "B" },
    { "packet", 0, 0, G_OPTION_ARG_INT, &packet, "Frames per packet (default 128)", "N" },
    { "seed", 0, 0, G_OPTION_ARG_INT, &seed, "Trace seed (default 101)", "S" },
    { NULL }
  };
  g_autoptr(GOptionContext) context = g_option_context_new ("- dump PNBTR's component predictions for training");
  g_autoptr(GError) error = NULL;
  g_autoptr(GDir) dir = NULL;
  g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func (g_free);
  FILE *out;
  guint64 records = 0;
  const char *name;

  g_option_context_add_main_entries (context, entries, NULL);
  if (!g_option_context_parse (context, &argc, &argv, &error))
    return jn_bench_fail (error->message);
  if (corpus == NULL || output == NULL || packet < 1 || packet > PNBTR_MAX_FRAMES)
    return jn_bench_fail ("plc-features needs --corpus and --output");
  if ((dir = g_dir_open (corpus, 0, &error)) == NULL)
    return jn_bench_fail (error->message);
  while ((name = g_dir_read_name (dir)) != NULL)
    if (g_str_has_suffix (name, ".wav"))
      g_ptr_array_add (names, g_build_filename (corpus, name, NULL));
  g_ptr_array_sort (names, (GCompareFunc) jn_bench_compare_strings);
  if ((out = fopen (output, "wb")) == NULL)
    return jn_bench_fail ("cannot write --output");

  for (guint f = 0; f < names->len; f++)
    {
      g_autoptr(JnWav) wav = jn_wav_load (names->pdata[f], &error);
      g_autoptr(GArray) trace = NULL;
      g_autofree float *buf = NULL;
      PnbtrConfig config;
      PnbtrState *state;
      gsize n_packets;
      guint t = 0;

      if (wav == NULL)
        return jn_bench_fail (error->message);
      if (wav->channels != 1)
        continue;   /* the blend is trained per channel; keep it simple */
      pnbtr_config_init (&config, PNBTR_METHOD_PNBTR, (int) wav->rate, 1, packet);
      if ((state = pnbtr_new (&config)) == NULL)
        return jn_bench_fail ("cannot make a pnbtr state for this file");
      n_packets = wav->frames / packet;
      trace = jn_plc_trace_generate ((guint) n_packets, loss, burst_mean, 10, (guint32) (seed + f));
      buf = g_new (float, packet);
      for (gsize p = 0; p < n_packets; p++)
        {
          const float *in = wav->samples + p * packet;
          gboolean lost = t < trace->len && g_array_index (trace, guint32, t) == p;
          const float *lpc, *pitch;
          float conf;
          int position;

          if (!lost)
            {
              pnbtr_process (state, in, buf, packet);
              continue;
            }
          t++;
          pnbtr_process (state, NULL, buf, packet);
          if (pnbtr_last_components (state, &lpc, &pitch, &conf, &position) < 0)
            continue;
          for (int i = 0; i < packet; i++)
            {
              float rec[5] = { (float) position, conf, lpc[i], pitch[i], in[i] };

              fwrite (rec, sizeof rec, 1, out);
              records++;
            }
        }
      pnbtr_free (state);
    }
  fclose (out);
  g_print ("%" G_GUINT64_FORMAT " records from %u files written to %s\n", records, names->len, output);
  return 0;
}

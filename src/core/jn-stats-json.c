/* jn-stats-json.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "jn-stats-json"

#include "config.h"

#include "jn-stats-json.h"

JsonNode *
jn_summary_to_json (const JnSummary *summary)
{
  JsonObject *object = json_object_new ();
  JsonNode *node = json_node_new (JSON_NODE_OBJECT);

  json_object_set_int_member (object, "count", (gint64) summary->count);
  json_object_set_double_member (object, "last", summary->last);
  json_object_set_double_member (object, "mean", summary->mean);
  json_object_set_double_member (object, "p50", summary->p50);
  json_object_set_double_member (object, "p95", summary->p95);
  json_object_set_double_member (object, "p99", summary->p99);
  json_object_set_double_member (object, "max", summary->max);
  json_node_take_object (node, object);
  return node;
}

/* A clock's drift estimate (jn-drift.h): null until it can tell */
static void
set_drift (JsonObject *o,
           const char *prefix,
           gboolean    valid,
           double      ppm,
           guint       restarts,
           guint       steps)
{
  g_autofree char *ppm_name = g_strconcat (prefix, "drift_ppm", NULL);
  g_autofree char *restarts_name = g_strconcat (prefix, "drift_restarts", NULL);
  g_autofree char *steps_name = g_strconcat (prefix, "drift_steps", NULL);

  if (valid)
    json_object_set_double_member (o, ppm_name, ppm);
  else
    json_object_set_null_member (o, ppm_name);
  json_object_set_int_member (o, restarts_name, restarts);
  json_object_set_int_member (o, steps_name, steps);
}

static JsonObject *
peer_to_json (const JnPeerStats *p)
{
  JsonObject *o = json_object_new ();

  json_object_set_int_member (o, "id", p->id);
  json_object_set_string_member (o, "name", p->name);
  json_object_set_boolean_member (o, "departed", p->departed);
  json_object_set_boolean_member (o, "said_bye", p->said_bye);
  json_object_set_boolean_member (o, "synced", p->synced);
  json_object_set_member (o, "rtt_ms", jn_summary_to_json (&p->rtt_ms));
  json_object_set_member (o, "one_way_ms", jn_summary_to_json (&p->one_way_ms));
  json_object_set_member (o, "jitter_ms", jn_summary_to_json (&p->jitter_ms));
  json_object_set_member (o, "midi_one_way_ms", jn_summary_to_json (&p->midi_one_way_ms));
  json_object_set_member (o, "buffer_level", jn_summary_to_json (&p->buffer_level));
  json_object_set_double_member (o, "offset_ms", p->offset_ms);
  json_object_set_int_member (o, "jitter_depth", p->jitter_depth);
  json_object_set_double_member (o, "jitter_depth_mean", p->jitter_depth_mean);
  json_object_set_int_member (o, "depth_grows", (gint64) p->depth_grows);
  json_object_set_int_member (o, "depth_shrinks", (gint64) p->depth_shrinks);
  json_object_set_int_member (o, "stretched", (gint64) p->stretched);
  json_object_set_int_member (o, "compressed", (gint64) p->compressed);
  json_object_set_string_member (o, "concealment", p->concealment);
  json_object_set_int_member (o, "audio_packets", (gint64) p->audio_packets);
  json_object_set_int_member (o, "lost", (gint64) p->lost);
  json_object_set_int_member (o, "late", (gint64) p->late);
  json_object_set_int_member (o, "not_sent", (gint64) p->not_sent);
  json_object_set_int_member (o, "stale", (gint64) p->stale);
  json_object_set_int_member (o, "buffer_restarts", (gint64) p->buffer_restarts);
  json_object_set_int_member (o, "restored", (gint64) p->restored);
  json_object_set_int_member (o, "copies_disagree", (gint64) p->copies_disagree);
  set_drift (o, "", p->drift_valid, p->drift_ppm, p->drift_restarts, p->drift_steps);
  json_object_set_boolean_member (o, "resampled", p->resampled);
  json_object_set_double_member (o, "resample_ppm", p->resample_ppm);
  json_object_set_double_member (o, "resample_delay_ms", p->resample_delay_ms);
  json_object_set_int_member (o, "resample_slip", p->resample_slip);
  if (p->server_depth > 0)
    json_object_set_int_member (o, "server_depth", p->server_depth);
  json_object_set_boolean_member (o, "not_heard", p->not_heard);
  json_object_set_double_member (o, "silent_s", p->silent_s);
  json_object_set_int_member (o, "out_of_order", (gint64) p->out_of_order);
  json_object_set_int_member (o, "out_of_range", (gint64) p->out_of_range);
  json_object_set_int_member (o, "duplicates", (gint64) p->duplicates);
  json_object_set_int_member (o, "played", (gint64) p->played);
  json_object_set_int_member (o, "concealed", (gint64) p->concealed);
  json_object_set_int_member (o, "gaps_worker_model", (gint64) p->gaps_worker_model);
  json_object_set_int_member (o, "gaps_local_fit", (gint64) p->gaps_local_fit);
  json_object_set_int_member (o, "gaps_repeated", (gint64) p->gaps_repeated);
  json_object_set_int_member (o, "gaps_light", (gint64) p->gaps_light);
  json_object_set_int_member (o, "gaps_onset", (gint64) p->gaps_onset);
  json_object_set_double_member (o, "loss_percent", p->loss_percent);
  json_object_set_double_member (o, "concealed_percent", p->concealed_percent);
  json_object_set_int_member (o, "midi_events", (gint64) p->midi_events);
  json_object_set_int_member (o, "midi_duplicates", (gint64) p->midi_duplicates);
  json_object_set_int_member (o, "midi_missing", (gint64) p->midi_missing);
  json_object_set_int_member (o, "midi_over_control", (gint64) p->midi_over_control);
  json_object_set_int_member (o, "decode_errors", (gint64) p->decode_errors);
  json_object_set_int_member (o, "notes_released", (gint64) p->notes_released);
  json_object_set_int_member (o, "midi_reordered", (gint64) p->midi_reordered);
  json_object_set_int_member (o, "midi_late_note_ons", (gint64) p->midi_late_note_ons);
  json_object_set_int_member (o, "midi_restored_offs", (gint64) p->midi_restored_offs);
  json_object_set_int_member (o, "midi_late_starts", (gint64) p->midi_late_starts);
  json_object_set_int_member (o, "midi_skipped_starts", (gint64) p->midi_skipped_starts);
  json_object_set_int_member (o, "midi_restored_controls", (gint64) p->midi_restored_controls);
  json_object_set_int_member (o, "midi_covered", (gint64) p->midi_covered);
  json_object_set_boolean_member (o, "playout_started", p->playout_started);
  json_object_set_int_member (o, "playout_first_seq", p->playout_first_seq);
  return o;
}

JsonNode *
jn_media_engine_stats_to_json (JnMediaEngine *engine)
{
  g_autoptr(GArray) peers = jn_media_engine_get_peer_stats (engine);
  const JnAudioFormat *format = jn_media_engine_get_format (engine);
  JsonObject *root = json_object_new ();
  JsonObject *malformed = json_object_new ();
  JsonObject *fmt = json_object_new ();
  JsonArray *array = json_array_new ();
  JsonNode *node = json_node_new (JSON_NODE_OBJECT);
  JnEngineStats stats;

  jn_media_engine_get_stats (engine, &stats);

  json_object_set_string_member (root, "jamnet_version", PACKAGE_VERSION);
  json_object_set_int_member (root, "local_id", stats.local_id);
  json_object_set_int_member (root, "udp_port", stats.udp_port);
  json_object_set_int_member (fmt, "rate", format->rate);
  json_object_set_int_member (fmt, "frames", format->frames);
  json_object_set_int_member (fmt, "channels", format->channels);
  json_object_set_string_member (fmt, "sample_format",
                                 format->format == JN_SAMPLE_S16 ? "s16" :
                                 format->format == JN_SAMPLE_S24 ? "s24" :
                                 format->format == JN_SAMPLE_F32 ? "f32" : "opus");
  json_object_set_string_member (fmt, "codec", format->format == JN_SAMPLE_OPUS ? "opus" : "pcm");
  if (format->format == JN_SAMPLE_OPUS)
    json_object_set_int_member (fmt, "bitrate", format->bitrate);
  json_object_set_object_member (root, "format", fmt);
  json_object_set_int_member (root, "packets_sent", (gint64) stats.packets_sent);
  json_object_set_int_member (root, "bytes_sent", (gint64) stats.bytes_sent);
  json_object_set_int_member (root, "bytes_received", (gint64) stats.bytes_received);
  json_object_set_int_member (root, "send_errors", (gint64) stats.send_errors);
  json_object_set_int_member (root, "encode_errors", (gint64) stats.encode_errors);
  json_object_set_int_member (root, "audio_bytes_sent", (gint64) stats.audio_bytes_sent);
  json_object_set_int_member (root, "copy_bytes_sent", (gint64) stats.copy_bytes_sent);
  json_object_set_int_member (root, "audio_copies", stats.audio_copies);
  json_object_set_boolean_member (root, "audio_copies_auto", stats.audio_copies_auto);
  json_object_set_int_member (root, "midi_packets_sent", (gint64) stats.midi_packets_sent);
  json_object_set_int_member (root, "midi_journal_bytes", (gint64) stats.midi_journal_bytes);
  json_object_set_int_member (root, "midi_journal_only", (gint64) stats.midi_journal_only);
  json_object_set_int_member (root, "dropped_non_member", (gint64) stats.dropped_non_member);
  {
    JsonObject *sec = json_object_new ();

    /* docs/protocol.md, 3.5 */
    json_object_set_string_member (sec, "media", stats.sealed ? "sealed" : "clear");
    json_object_set_int_member (sec, "dropped_unauthentic", (gint64) stats.dropped_unauthentic);
    json_object_set_int_member (sec, "dropped_replayed", (gint64) stats.dropped_replayed);
    json_object_set_int_member (sec, "media_held", (gint64) stats.media_held);
    json_object_set_int_member (sec, "roamed", (gint64) stats.roamed);
    json_object_set_object_member (root, "security", sec);
  }
  json_object_set_int_member (root, "dropped_malformed", (gint64) stats.dropped_malformed);
  json_object_set_int_member (root, "clock_skips", (gint64) stats.clock_skips);
  json_object_set_int_member (root, "clock_fallbacks", (gint64) stats.clock_fallbacks);
  set_drift (root, "device_", stats.device_drift_valid, stats.device_drift_ppm,
             stats.device_drift_restarts, stats.device_drift_steps);
  {
    const char *states[] = { "not-asked", "pending", "granted", "refused", "given-up" };
    JsonObject *rt = json_object_new ();

    /* docs/architecture.md, "Real-time priority" */
    json_object_set_string_member (rt, "state", states[MIN (stats.realtime, G_N_ELEMENTS (states) - 1)]);
    json_object_set_string_member (rt, "scheduling", stats.media_scheduling);
    json_object_set_string_member (rt, "via", stats.realtime_via);
    json_object_set_string_member (rt, "refusal", stats.realtime_refusal);
    json_object_set_object_member (root, "media_thread", rt);
  }
  json_object_set_int_member (root, "stalls", (gint64) stats.stalls);
  for (guint i = 0; i < JN_PROTOCOL_ERROR_N_CODES; i++)
    json_object_set_int_member (malformed, jn_protocol_error_to_string (i),
                                (gint64) stats.malformed[i]);
  json_object_set_object_member (root, "malformed", malformed);
  {
    JsonObject *w = json_object_new ();

    json_object_set_string_member (w, "backend", stats.pnbtr_backend);
    json_object_set_string_member (w, "device", stats.pnbtr_device);
    json_object_set_int_member (w, "jobs", (gint64) stats.pnbtr_jobs);
    json_object_set_int_member (w, "installed", (gint64) stats.pnbtr_installed);
    json_object_set_int_member (w, "late", (gint64) stats.pnbtr_late);
    json_object_set_int_member (w, "in_gap", (gint64) stats.pnbtr_in_gap);
    json_object_set_int_member (w, "queue_full", (gint64) stats.pnbtr_queue_full);
    json_object_set_int_member (w, "failures", (gint64) stats.pnbtr_failures);
    json_object_set_double_member (w, "batch_ms", stats.pnbtr_batch_ms);
    json_object_set_double_member (w, "job_ms", stats.pnbtr_job_ms);
    json_object_set_int_member (w, "refit_periods", stats.pnbtr_refit_periods);
    json_object_set_object_member (root, "pnbtr_worker", w);
  }

  for (guint i = 0; i < peers->len; i++)
    json_array_add_object_element (array, peer_to_json (&g_array_index (peers, JnPeerStats, i)));
  json_object_set_array_member (root, "peers", array);

  json_node_take_object (node, root);
  return node;
}

/* jn-peer.c: one other player in a session
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "jn-peer"

#include "config.h"

#include <glib/gi18n-lib.h>
#include <math.h>
#include <string.h>

#include "jn-codec.h"
#include "jn-peer-private.h"

struct _JnPeer
{
  GObject      parent_instance;

  guint32      id;
  char        *name;
  JnPeerState  state;
  JnPeerPath   path;
  JnPeerStats  stats;
  double       end_to_end_ms;
  JnDelayParts parts;
  double       gain;
  gboolean     muted;
  gboolean     soloed;
  double       pan;
  GArray      *series[JN_N_METRICS];   /* JnSample */
  gboolean     new_samples;
};

enum {
  PROP_0,
  PROP_ID,
  PROP_NAME,
  PROP_STATE,
  PROP_RTT_MS,
  PROP_ONE_WAY_MS,
  PROP_JITTER_MS,
  PROP_LOSS_PERCENT,
  PROP_CONCEALED_PERCENT,
  PROP_BUFFER_LEVEL,
  PROP_BUFFER_TARGET,
  PROP_END_TO_END_MS,
  PROP_GAIN,
  PROP_MUTED,
  PROP_SOLOED,
  PROP_PAN,
  PROP_PATH,
  N_PROPS
};

enum { FIGURES_CHANGED, SERIES_CHANGED, N_SIGNALS };

static GParamSpec *properties[N_PROPS];
static guint signals[N_SIGNALS];

G_DEFINE_ENUM_TYPE (JnPeerState, jn_peer_state,
                    G_DEFINE_ENUM_VALUE (JN_PEER_CONNECTING, "connecting"),
                    G_DEFINE_ENUM_VALUE (JN_PEER_PLAYING, "playing"),
                    G_DEFINE_ENUM_VALUE (JN_PEER_LEFT, "left"))

G_DEFINE_ENUM_TYPE (JnPeerPath, jn_peer_path,
                    G_DEFINE_ENUM_VALUE (JN_PEER_PATH_UDP, "udp"),
                    G_DEFINE_ENUM_VALUE (JN_PEER_PATH_SEARCHING, "searching"),
                    G_DEFINE_ENUM_VALUE (JN_PEER_PATH_DIRECT, "direct"),
                    G_DEFINE_ENUM_VALUE (JN_PEER_PATH_NAT, "nat"),
                    G_DEFINE_ENUM_VALUE (JN_PEER_PATH_RELAYED, "relayed"),
                    G_DEFINE_ENUM_VALUE (JN_PEER_PATH_UNREACHABLE, "unreachable"),
                    G_DEFINE_ENUM_VALUE (JN_PEER_PATH_SERVER, "server"))

G_DEFINE_FINAL_TYPE (JnPeer, jn_peer, G_TYPE_OBJECT)

const char *
jn_peer_path_to_string (JnPeerPath path)
{
  GEnumValue *value = g_enum_get_value (g_type_class_peek (JN_TYPE_PEER_PATH), path);

  return value != NULL ? value->value_nick : "udp";
}

const char *
jn_peer_path_describe (JnPeerPath path)
{
  switch (path)
    {
    /* TRANSLATORS: how audio reaches a player */
    case JN_PEER_PATH_UDP: return _("direct");
    case JN_PEER_PATH_SEARCHING: return _("finding a path…");
    case JN_PEER_PATH_DIRECT: return _("direct (same network)");
    case JN_PEER_PATH_NAT: return _("direct (through routers)");
    case JN_PEER_PATH_RELAYED: return _("relayed");
    case JN_PEER_PATH_UNREACHABLE: return _("no audio: no path through the routers (MIDI goes through the server)");
    case JN_PEER_PATH_SERVER: return _("through the server");
    default: return "";
    }
}

void
jn_end_to_end_parts (double               capture_ms,
                     double               one_way_ms,
                     guint                buffer_packets,
                     const JnAudioFormat *format,
                     double               playback_ms,
                     JnDelayParts        *parts)
{
  g_return_if_fail (format != NULL && format->rate > 0 && parts != NULL);

  parts->capture_ms = capture_ms;
  parts->one_way_ms = one_way_ms;
  parts->buffer_packets = buffer_packets;
  parts->buffer_ms = buffer_packets * format->frames * 1000.0 / format->rate;
  parts->codec_ms = jn_codec_delay_frames (format) * 1000.0 / format->rate;
  parts->server_ms = 0.0;
  parts->playback_ms = playback_ms;
}

void
jn_peer_stats_delay_parts (const JnPeerStats   *stats,
                           double               capture_ms,
                           const JnAudioFormat *format,
                           double               playback_ms,
                           JnDelayParts        *parts)
{
  double period_ms;

  g_return_if_fail (stats != NULL && format != NULL && format->rate > 0 && parts != NULL);

  jn_end_to_end_parts (capture_ms, stats->one_way_ms.last, (guint) stats->buffer_level.last,
                       format, playback_ms, parts);
  if (!stats->room_mix || stats->server_depth == 0)
    return;
  /* the way up, what waits in the server's buffer, up to a period until
   * its next mix, and its own decoding */
  period_ms = format->frames * 1000.0 / format->rate;
  parts->server_ms = stats->one_way_ms.last + stats->server_depth * period_ms + period_ms +
                     jn_codec_delay_frames (format) * 1000.0 / format->rate;
}

double
jn_delay_parts_total (const JnDelayParts *parts)
{
  return parts->capture_ms + parts->one_way_ms + parts->buffer_ms + parts->codec_ms +
         parts->server_ms + parts->playback_ms;
}

JnDelayLight
jn_delay_light_for (double end_to_end_ms)
{
  if (!(end_to_end_ms > 0))
    return JN_DELAY_UNKNOWN;
  if (end_to_end_ms <= JN_DELAY_GREEN_MS)
    return JN_DELAY_GREEN;
  return end_to_end_ms <= JN_DELAY_YELLOW_MS ? JN_DELAY_YELLOW : JN_DELAY_RED;
}

const char *
jn_delay_light_to_string (JnDelayLight light)
{
  switch (light)
    {
    case JN_DELAY_GREEN: return "green";
    case JN_DELAY_YELLOW: return "yellow";
    case JN_DELAY_RED: return "red";
    default: return "unknown";
    }
}

const char *
jn_delay_light_describe (JnDelayLight light)
{
  switch (light)
    {
    case JN_DELAY_GREEN: return _("Tight enough to play together");
    case JN_DELAY_YELLOW: return _("Noticeable: playing together takes care");
    case JN_DELAY_RED: return _("Too late to play tightly together");
    default: return _("Delay not measured yet");
    }
}

static void
jn_peer_get_property (GObject    *object,
                      guint       prop_id,
                      GValue     *value,
                      GParamSpec *pspec)
{
  JnPeer *self = JN_PEER (object);

  switch (prop_id)
    {
    case PROP_ID: g_value_set_uint (value, self->id); break;
    case PROP_NAME: g_value_set_string (value, self->name); break;
    case PROP_STATE: g_value_set_enum (value, self->state); break;
    case PROP_RTT_MS: g_value_set_double (value, jn_peer_get_rtt_ms (self)); break;
    case PROP_ONE_WAY_MS: g_value_set_double (value, jn_peer_get_one_way_ms (self)); break;
    case PROP_JITTER_MS: g_value_set_double (value, jn_peer_get_jitter_ms (self)); break;
    case PROP_LOSS_PERCENT: g_value_set_double (value, self->stats.loss_percent); break;
    case PROP_CONCEALED_PERCENT: g_value_set_double (value, self->stats.concealed_percent); break;
    case PROP_BUFFER_LEVEL: g_value_set_uint (value, jn_peer_get_buffer_level (self)); break;
    case PROP_BUFFER_TARGET: g_value_set_uint (value, self->stats.jitter_depth); break;
    case PROP_END_TO_END_MS: g_value_set_double (value, self->end_to_end_ms); break;
    case PROP_GAIN: g_value_set_double (value, self->gain); break;
    case PROP_MUTED: g_value_set_boolean (value, self->muted); break;
    case PROP_SOLOED: g_value_set_boolean (value, self->soloed); break;
    case PROP_PAN: g_value_set_double (value, self->pan); break;
    case PROP_PATH: g_value_set_enum (value, self->path); break;
    default: G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
jn_peer_set_property (GObject      *object,
                      guint         prop_id,
                      const GValue *value,
                      GParamSpec   *pspec)
{
  JnPeer *self = JN_PEER (object);

  switch (prop_id)
    {
    case PROP_GAIN: jn_peer_set_gain (self, g_value_get_double (value)); break;
    case PROP_MUTED: jn_peer_set_muted (self, g_value_get_boolean (value)); break;
    case PROP_SOLOED: jn_peer_set_soloed (self, g_value_get_boolean (value)); break;
    case PROP_PAN: jn_peer_set_pan (self, g_value_get_double (value)); break;
    default: G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
jn_peer_finalize (GObject *object)
{
  JnPeer *self = JN_PEER (object);

  g_free (self->name);
  for (guint m = 0; m < JN_N_METRICS; m++)
    g_array_unref (self->series[m]);
  G_OBJECT_CLASS (jn_peer_parent_class)->finalize (object);
}

static GParamSpec *
figure (const char *name,
        double      max)
{
  return g_param_spec_double (name, NULL, NULL, 0.0, max, 0.0,
                              G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
}

static void
jn_peer_class_init (JnPeerClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  const GParamFlags ro = G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS;
  const GParamFlags rw = G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS;

  object_class->get_property = jn_peer_get_property;
  object_class->set_property = jn_peer_set_property;
  object_class->finalize = jn_peer_finalize;

  properties[PROP_ID] = g_param_spec_uint ("id", NULL, NULL, 0, G_MAXUINT32, 0, ro);
  properties[PROP_NAME] = g_param_spec_string ("name", NULL, NULL, NULL, ro);
  properties[PROP_STATE] = g_param_spec_enum ("state", NULL, NULL, JN_TYPE_PEER_STATE,
                                              JN_PEER_CONNECTING, ro);
  properties[PROP_RTT_MS] = figure ("rtt-ms", G_MAXDOUBLE);
  properties[PROP_ONE_WAY_MS] = figure ("one-way-ms", G_MAXDOUBLE);
  properties[PROP_JITTER_MS] = figure ("jitter-ms", G_MAXDOUBLE);
  properties[PROP_LOSS_PERCENT] = figure ("loss-percent", 100.0);
  properties[PROP_CONCEALED_PERCENT] = figure ("concealed-percent", 100.0);
  properties[PROP_BUFFER_LEVEL] = g_param_spec_uint ("buffer-level", NULL, NULL, 0, G_MAXUINT, 0, ro);
  properties[PROP_BUFFER_TARGET] = g_param_spec_uint ("buffer-target", NULL, NULL, 0, G_MAXUINT, 0, ro);
  properties[PROP_END_TO_END_MS] = figure ("end-to-end-ms", G_MAXDOUBLE);
  properties[PROP_GAIN] = g_param_spec_double ("gain", NULL, NULL, 0.0, 4.0, 1.0, rw);
  properties[PROP_MUTED] = g_param_spec_boolean ("muted", NULL, NULL, FALSE, rw);
  properties[PROP_SOLOED] = g_param_spec_boolean ("soloed", NULL, NULL, FALSE, rw);
  properties[PROP_PAN] = g_param_spec_double ("pan", NULL, NULL, -1.0, 1.0, 0.0, rw);
  properties[PROP_PATH] = g_param_spec_enum ("path", NULL, NULL, JN_TYPE_PEER_PATH,
                                             JN_PEER_PATH_UDP, ro);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  /* a snapshot changed some figure (jn_peer_get_stats()), once per
   * snapshot, after the properties' notifications */
  signals[FIGURES_CHANGED] = g_signal_new ("figures-changed", G_TYPE_FROM_CLASS (klass),
                                           G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL, G_TYPE_NONE, 0);
  /* samples came into the series (jn_peer_get_series()) */
  signals[SERIES_CHANGED] = g_signal_new ("series-changed", G_TYPE_FROM_CLASS (klass),
                                          G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL, G_TYPE_NONE, 0);
}

static void
jn_peer_init (JnPeer *self)
{
  self->gain = 1.0;
  for (guint m = 0; m < JN_N_METRICS; m++)
    self->series[m] = g_array_new (FALSE, FALSE, sizeof (JnSample));
}

JnPeer *
jn_peer_new (guint32     id,
             const char *name)
{
  JnPeer *self = g_object_new (JN_TYPE_PEER, NULL);

  self->id = id;
  self->name = g_strdup (name ? name : "");
  self->stats.id = id;
  g_strlcpy (self->stats.name, self->name, sizeof self->stats.name);
  return self;
}

static void
set_state (JnPeer      *self,
           JnPeerState  state)
{
  if (self->state == state)
    return;
  self->state = state;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_STATE]);
}

static void
notify_double (JnPeer *self,
               guint   prop,
               double  before,
               double  after)
{
  if (before != after && !(isnan (before) && isnan (after)))
    g_object_notify_by_pspec (G_OBJECT (self), properties[prop]);
}

void
jn_peer_update (JnPeer             *self,
                const JnPeerStats  *stats,
                const JnDelayParts *parts)
{
  JnPeerStats old;
  double old_end_to_end, end_to_end_ms = jn_delay_parts_total (parts);

  g_return_if_fail (JN_IS_PEER (self));
  g_return_if_fail (stats->id == self->id);

  old = self->stats;
  old_end_to_end = self->end_to_end_ms;
  self->stats = *stats;
  self->end_to_end_ms = end_to_end_ms;
  self->parts = *parts;

  g_object_freeze_notify (G_OBJECT (self));
  notify_double (self, PROP_RTT_MS, old.rtt_ms.last, stats->rtt_ms.last);
  notify_double (self, PROP_ONE_WAY_MS, old.one_way_ms.last, stats->one_way_ms.last);
  notify_double (self, PROP_JITTER_MS, old.jitter_ms.last, stats->jitter_ms.last);
  notify_double (self, PROP_LOSS_PERCENT, old.loss_percent, stats->loss_percent);
  notify_double (self, PROP_CONCEALED_PERCENT, old.concealed_percent, stats->concealed_percent);
  notify_double (self, PROP_BUFFER_LEVEL, old.buffer_level.last, stats->buffer_level.last);
  if (old.jitter_depth != stats->jitter_depth)
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_BUFFER_TARGET]);
  notify_double (self, PROP_END_TO_END_MS, old_end_to_end, end_to_end_ms);
  if (stats->departed)
    set_state (self, JN_PEER_LEFT);
  else if (stats->synced && self->state == JN_PEER_CONNECTING)
    set_state (self, JN_PEER_PLAYING);
  g_object_thaw_notify (G_OBJECT (self));
  if (memcmp (&old, stats, sizeof old) != 0 || old_end_to_end != end_to_end_ms)
    g_signal_emit (self, signals[FIGURES_CHANGED], 0);
}

void
jn_peer_add_sample (JnPeer         *self,
                    JnMetric        metric,
                    const JnSample *sample)
{
  GArray *series;

  g_return_if_fail (JN_IS_PEER (self));
  g_return_if_fail ((guint) metric < JN_N_METRICS);

  series = self->series[metric];
  g_array_append_val (series, *sample);
  /* the last 15 minutes, trimmed in steps so that appending stays cheap */
  if (series->len >= JN_SERIES_CAPACITY + JN_SERIES_CAPACITY / 8)
    g_array_remove_range (series, 0, series->len - JN_SERIES_CAPACITY);
  self->new_samples = TRUE;
}

void
jn_peer_flush_samples (JnPeer *self)
{
  g_return_if_fail (JN_IS_PEER (self));

  if (!self->new_samples)
    return;
  self->new_samples = FALSE;
  g_signal_emit (self, signals[SERIES_CHANGED], 0);
}

void
jn_peer_set_left (JnPeer *self)
{
  g_return_if_fail (JN_IS_PEER (self));
  self->stats.departed = TRUE;
  set_state (self, JN_PEER_LEFT);
}

void
jn_peer_set_path (JnPeer     *self,
                  JnPeerPath  path)
{
  g_return_if_fail (JN_IS_PEER (self));
  if (self->path == path)
    return;
  self->path = path;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_PATH]);
}

JnPeerPath
jn_peer_get_path (JnPeer *self)
{
  g_return_val_if_fail (JN_IS_PEER (self), JN_PEER_PATH_UDP);
  return self->path;
}

guint32
jn_peer_get_id (JnPeer *self)
{
  g_return_val_if_fail (JN_IS_PEER (self), 0);
  return self->id;
}

const char *
jn_peer_get_name (JnPeer *self)
{
  g_return_val_if_fail (JN_IS_PEER (self), NULL);
  return self->name;
}

JnPeerState
jn_peer_get_state (JnPeer *self)
{
  g_return_val_if_fail (JN_IS_PEER (self), JN_PEER_CONNECTING);
  return self->state;
}

double
jn_peer_get_rtt_ms (JnPeer *self)
{
  g_return_val_if_fail (JN_IS_PEER (self), 0.0);
  return self->stats.rtt_ms.last;
}

double
jn_peer_get_one_way_ms (JnPeer *self)
{
  g_return_val_if_fail (JN_IS_PEER (self), 0.0);
  return self->stats.one_way_ms.last;
}

double
jn_peer_get_jitter_ms (JnPeer *self)
{
  g_return_val_if_fail (JN_IS_PEER (self), 0.0);
  return self->stats.jitter_ms.last;
}

double
jn_peer_get_loss_percent (JnPeer *self)
{
  g_return_val_if_fail (JN_IS_PEER (self), 0.0);
  return self->stats.loss_percent;
}

double
jn_peer_get_concealed_percent (JnPeer *self)
{
  g_return_val_if_fail (JN_IS_PEER (self), 0.0);
  return self->stats.concealed_percent;
}

guint
jn_peer_get_buffer_level (JnPeer *self)
{
  g_return_val_if_fail (JN_IS_PEER (self), 0);
  return (guint) self->stats.buffer_level.last;
}

guint
jn_peer_get_buffer_target (JnPeer *self)
{
  g_return_val_if_fail (JN_IS_PEER (self), 0);
  return self->stats.jitter_depth;
}

void
jn_peer_get_delay_parts (JnPeer       *self,
                         JnDelayParts *parts)
{
  g_return_if_fail (JN_IS_PEER (self) && parts != NULL);
  *parts = self->parts;
}

JnDelayLight
jn_peer_get_delay_light (JnPeer *self)
{
  g_return_val_if_fail (JN_IS_PEER (self), JN_DELAY_UNKNOWN);
  /* nothing measured of the network yet: no light */
  if (!self->stats.synced || self->stats.one_way_ms.count == 0)
    return JN_DELAY_UNKNOWN;
  return jn_delay_light_for (self->end_to_end_ms);
}

double
jn_peer_get_end_to_end_ms (JnPeer *self)
{
  g_return_val_if_fail (JN_IS_PEER (self), 0.0);
  return self->end_to_end_ms;
}

double
jn_peer_get_gain (JnPeer *self)
{
  g_return_val_if_fail (JN_IS_PEER (self), 1.0);
  return self->gain;
}

void
jn_peer_set_gain (JnPeer *self,
                  double  gain)
{
  g_return_if_fail (JN_IS_PEER (self));

  gain = CLAMP (gain, 0.0, 4.0);
  if (gain == self->gain)
    return;
  self->gain = gain;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_GAIN]);
}

gboolean
jn_peer_get_muted (JnPeer *self)
{
  g_return_val_if_fail (JN_IS_PEER (self), FALSE);
  return self->muted;
}

void
jn_peer_set_muted (JnPeer   *self,
                   gboolean  muted)
{
  g_return_if_fail (JN_IS_PEER (self));

  muted = !!muted;
  if (muted == self->muted)
    return;
  self->muted = muted;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_MUTED]);
}

gboolean
jn_peer_get_soloed (JnPeer *self)
{
  g_return_val_if_fail (JN_IS_PEER (self), FALSE);
  return self->soloed;
}

void
jn_peer_set_soloed (JnPeer   *self,
                    gboolean  soloed)
{
  g_return_if_fail (JN_IS_PEER (self));

  soloed = !!soloed;
  if (soloed == self->soloed)
    return;
  self->soloed = soloed;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SOLOED]);
}

double
jn_peer_get_pan (JnPeer *self)
{
  g_return_val_if_fail (JN_IS_PEER (self), 0.0);
  return self->pan;
}

void
jn_peer_set_pan (JnPeer *self,
                 double  pan)
{
  g_return_if_fail (JN_IS_PEER (self));

  pan = isnan (pan) ? 0.0 : CLAMP (pan, -1.0, 1.0);
  if (pan == self->pan)
    return;
  self->pan = pan;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_PAN]);
}

const JnPeerStats *
jn_peer_get_stats (JnPeer *self)
{
  g_return_val_if_fail (JN_IS_PEER (self), NULL);
  return &self->stats;
}

GArray *
jn_peer_get_series (JnPeer   *self,
                    JnMetric  metric)
{
  g_return_val_if_fail (JN_IS_PEER (self), NULL);
  g_return_val_if_fail ((guint) metric < JN_N_METRICS, NULL);
  return self->series[metric];
}

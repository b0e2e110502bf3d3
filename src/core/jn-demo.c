/* jn-demo.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "jn-demo"

#include "config.h"

#include <glib/gi18n-lib.h>

#include "jn-client.h"
#include "jn-demo.h"
#include "jn-echo.h"
#include "jn-host.h"
#include "jn-test-signal.h"

struct _JnDemo
{
  JnMediaEngine *host_engine;
  JnMediaEngine *engine;
  JnClient      *client;
  JnRelay       *relay;
  JnImpairment   impairment;
  JnEcho        *echo;   /* the simulated player plays back a latency test's clicks */
};

void
jn_demo_free (JnDemo *demo)
{
  if (demo == NULL)
    return;
  if (demo->engine != NULL)
    jn_media_engine_stop (demo->engine);
  g_clear_pointer (&demo->relay, jn_relay_free);
  if (demo->client != NULL)
    {
      g_signal_handlers_disconnect_by_data (demo->client, demo);
      jn_client_leave (demo->client);
    }
  g_clear_object (&demo->client);
  g_clear_object (&demo->engine);
  g_clear_object (&demo->host_engine);
  g_clear_pointer (&demo->echo, jn_echo_free);
  g_free (demo);
}

JnMediaEngine *
jn_demo_get_engine (JnDemo *demo)
{
  return demo->engine;
}

static void
tone (gpointer  user_data,
      float    *out,
      guint     frames,
      guint     channels,
      guint64   position)
{
  JnDemo *demo = user_data;

  if (!jn_echo_capture (demo->echo, out, frames, channels))
    jn_test_signal_fill (out, frames, channels, jn_media_engine_get_format (demo->engine)->rate, position);
}

static void
playout (gpointer     user_data,
         guint32      peer_id,
         guint32      seq,
         const float *audio,
         guint        frames,
         guint        channels,
         gboolean     concealed)
{
  JnDemo *demo = user_data;

  jn_echo_playout (demo->echo, peer_id, audio, frames, channels);
}

static void
period_end (gpointer user_data,
            guint    frames,
            guint    channels)
{
  JnDemo *demo = user_data;

  jn_echo_period_end (demo->echo, frames, channels);
}

/* the host asks for an echo: the simulated player is as willing as any */
static void
on_echo_requested (JnClient *client,
                   guint     peer_id,
                   guint     seconds,
                   JnDemo   *demo)
{
  jn_echo_start (demo->echo, peer_id, seconds);
}

/* The task's data is the demo, without a destroy notify: the task hands it
 * to the caller on success and frees it here on failure. */
static void
fail (GTask  *task,
      GError *error)
{
  jn_demo_free (g_task_get_task_data (task));
  g_task_return_error (task, error);
}

static void
on_joined (GObject      *source,
           GAsyncResult *result,
           gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  JnDemo *demo = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;
  guint16 to_player, to_host;

  if (!jn_client_join_finish (JN_CLIENT (source), result, &error))
    {
      fail (task, g_steal_pointer (&error));
      return;
    }
  {
    const JnAudioFormat *format = jn_media_engine_get_format (demo->engine);

    /* before the media thread, which then only reads it */
    demo->echo = jn_echo_new (format->frames, format->channels);
  }
  g_signal_connect (demo->client, "echo-requested", G_CALLBACK (on_echo_requested), demo);
  if (!jn_media_engine_start (demo->engine, &error))
    {
      fail (task, g_steal_pointer (&error));
      return;
    }

  /* both directions of the media plane through the emulated network */
  demo->relay = jn_relay_new ("127.0.0.1", "127.0.0.1", jn_media_engine_get_port (demo->host_engine),
                              "127.0.0.1", jn_media_engine_get_port (demo->engine),
                              (guint32) g_get_real_time (), &error);
  if (demo->relay == NULL)
    {
      fail (task, g_steal_pointer (&error));
      return;
    }
  jn_relay_set_impairment (demo->relay, JN_RELAY_A_TO_B, &demo->impairment);
  jn_relay_set_impairment (demo->relay, JN_RELAY_B_TO_A, &demo->impairment);
  to_player = jn_relay_get_port (demo->relay, JN_RELAY_A_TO_B);
  to_host = jn_relay_get_port (demo->relay, JN_RELAY_B_TO_A);
  if (!jn_media_engine_set_peer_address (demo->host_engine, jn_media_engine_get_local_id (demo->engine),
                                         "127.0.0.1", to_player, &error) ||
      !jn_media_engine_set_peer_address (demo->engine, JN_HOST_PEER_ID, "127.0.0.1", to_host, &error))
    {
      fail (task, g_steal_pointer (&error));
      return;
    }
  g_task_return_pointer (task, demo, (GDestroyNotify) jn_demo_free);
}

void
jn_demo_new_async (JnMediaEngine       *host_engine,
                   const char          *url,
                   const JnImpairment  *impairment,
                   void               (*configure) (JnMediaEngine *engine,
                                                    gpointer       user_data),
                   gpointer             configure_data,
                   GCancellable        *cancellable,
                   GAsyncReadyCallback  callback,
                   gpointer             user_data)
{
  g_autoptr(GTask) task = g_task_new (NULL, cancellable, callback, user_data);
  static const JnMediaCallbacks callbacks = { tone, playout, NULL, period_end };
  g_autoptr(GError) error = NULL;
  JnDemo *demo = g_new0 (JnDemo, 1);

  g_task_set_source_tag (task, jn_demo_new_async);
  g_task_set_task_data (task, demo, NULL);
  demo->host_engine = g_object_ref (host_engine);
  demo->impairment = *impairment;
  demo->engine = jn_media_engine_is_sealed (host_engine)
                 ? jn_media_engine_new_sealed ("127.0.0.1", 0, &error)
                 : jn_media_engine_new ("127.0.0.1", 0, &error);
  if (demo->engine == NULL)
    {
      fail (task, g_steal_pointer (&error));
      return;
    }
  if (configure != NULL)
    configure (demo->engine, configure_data);
  jn_media_engine_set_callbacks (demo->engine, &callbacks, demo);
  demo->client = jn_client_new (demo->engine, _("Simulated player"), NULL);
  jn_client_join_async (demo->client, url, cancellable, on_joined, g_steal_pointer (&task));
}

JnDemo *
jn_demo_new_finish (GAsyncResult  *result,
                    GError       **error)
{
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == jn_demo_new_async, NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}

/* jn-bench-choir.h: many players of a mix room, driven from one thread
 *
 * What a mix room's server meets from a choir, with so little cost on this
 * side that a hundred players fit beside the server on two cores: each
 * voice joins the room for real (its own JnClient and control connection,
 * its own sealed UDP socket and key), then one thread sends every voice's
 * stream, one datagram a period (the test tone, coded once in advance),
 * answers the server's pings, pings it twice a second, and counts the mixes
 * that come back.  Nothing is decoded or played.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef struct
{
  guint64 bytes_up;      /* sealed datagrams, without UDP/IP headers */
  guint64 bytes_down;
  guint64 mixes;         /* unique mixes that came */
  guint64 lost;          /* mixes missing between the first and the last */
  guint   voices_heard;  /* voices that got a mix */
  double  rtt_ms_p50;    /* to the server, over every voice's pongs */
  double  rtt_ms_p99;
  double  server_depth;  /* the server's buffer for a voice, packets, as its pongs report (mean) */
} JnBenchChoirFigures;

typedef struct _JnBenchChoir JnBenchChoir;

/* Joins n voices to the room at url (the first makes it), iterating the
 * thread-default main context; NULL with *error when one cannot join. */
JnBenchChoir *jn_bench_choir_join    (const char          *url,
                                      guint                n,
                                      gboolean             opus,
                                      GError             **error);
/* Since the voices began to sing (counters) and over the last seconds
 * (round trips) */
void          jn_bench_choir_get     (JnBenchChoir        *choir,
                                      JnBenchChoirFigures *figures);
void          jn_bench_choir_free    (JnBenchChoir        *choir);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (JnBenchChoir, jn_bench_choir_free)

G_END_DECLS

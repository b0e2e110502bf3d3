/* jn-media-stats.h: what the media plane measures, per peer and in all
 *
 * The figures behind the CLI's stats line, the stats JSON, the graphs and the
 * session report.  JnReceiveStats and JnClockSync measure them; the engine
 * hands out copies.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>

#include "jn-error.h"
#include "jn-realtime.h"
#include "jn-stats.h"

G_BEGIN_DECLS

/* Clock-sync pings per second and peer. */
#define JN_SYNC_RATE_HZ 10
/* a peer nothing came from for this long is "not heard from" (docs/protocol.md 3.4) */
#define JN_PEER_SILENT_S 3

typedef struct
{
  guint32   id;
  char      name[4 * 64 + 1];
  gboolean  synced;           /* at least one clock-sync round trip */
  gboolean  said_bye;
  gboolean  departed;         /* left the session; figures are final */
  JnSummary rtt_ms;
  JnSummary one_way_ms;
  JnSummary jitter_ms;
  JnSummary midi_one_way_ms;
  JnSummary buffer_level;     /* packets queued ahead of playout */
  double    offset_ms;        /* peer clock - local clock */
  guint     jitter_depth;     /* current target depth, packets */
  double    jitter_depth_mean; /* the target over the periods played out */
  guint64   depth_grows;      /* depth raised after late packets */
  guint64   depth_shrinks;    /* depth lowered after calm stretches */
  guint64   stretched;        /* periods concealed to grow the depth */
  guint64   compressed;       /* packets merged away to shrink it */
  guint64   buffer_restarts;  /* its stream jumped far ahead (a stall): playout started again there */
  guint64   restored;         /* packet periods played from a copy of a lost packet */
  guint64   copies_disagree;  /* copies unlike the packet they copy: refused */
  const char *concealment;    /* "pnbtr", "burg", ..., "zero" */
  guint64   audio_packets;    /* unique audio packets received */
  guint64   lost;             /* never arrived (what the network lost) */
  guint64   not_sent;         /* skipped by the sender after its thread stalled */
  guint64   stale;            /* datagrams that waited out our own stall: dropped */
  gboolean  not_heard;        /* nothing from it for JN_PEER_SILENT_S (docs/protocol.md 3.4) */
  double    silent_s;         /* since its last datagram; 0 before the first */
  guint64   late;             /* arrived after their playout time */
  guint64   out_of_order;
  guint64   out_of_range;     /* audio or MIDI numbers too far ahead, refused */
  guint64   duplicates;
  guint64   played;           /* packet periods played from real audio */
  guint64   concealed;        /* packet periods concealed */
  guint64   gaps_worker_model; /* gaps that began with a model from the PNBTR worker */
  guint64   gaps_local_fit;   /* gaps that fitted their model on the media thread */
  guint64   gaps_repeated;    /* gaps PNBTR filled partly from where the music repeated */
  guint64   gaps_light;       /* gaps begun the cheap way: the period's budget was spent */
  guint64   gaps_onset;       /* gaps with a quick model of a note begun since the model */
  double    loss_percent;
  double    concealed_percent; /* of the packet periods played out */
  guint64   midi_events;      /* unique MIDI events delivered */
  guint64   midi_duplicates;  /* copies dropped (redundancy, network) */
  guint64   midi_missing;     /* event sequence numbers never received */
  guint64   midi_over_control; /* of midi_events: came over the room's control plane (no UDP path) */
  guint64   decode_errors;    /* Opus packets that did not decode: concealed, never played */
  guint64   notes_released;   /* note-offs and pedal-offs sent for it when it left */
  guint64   midi_reordered;   /* events that waited for earlier ones (JN_MIDI_REORDER_WINDOW_US) */
  guint64   midi_late_note_ons; /* note-ons that came after later events had played: dropped */
  /* what its recovery journal put right (docs/protocol.md 3.3) */
  guint64   midi_restored_offs;    /* notes it had ended that still sounded here */
  guint64   midi_late_starts;      /* lost note-ons still held: started late */
  guint64   midi_skipped_starts;   /* lost note-ons held too long to start */
  guint64   midi_restored_controls; /* controllers, program, bend, pressure set right */
  guint64   midi_covered;          /* events that came after the journal had done their work */
  gboolean  playout_started;
  guint32   playout_first_seq; /* first sequence number played out */
  gboolean drift_valid;       /* enough seconds of its packets to tell */
  double  drift_ppm;          /* its sample clock against our device's: fast (+), slow (-) */
  guint   drift_restarts;     /* its estimate started over, moved a step (jn-drift.h) */
  guint   drift_steps;
  gboolean resampled;         /* its stream is resampled to our device's rate (jn-rate-match.h) */
  double  resample_ppm;       /* at this ratio, input over output */
  double  resample_delay_ms;  /* what the resampling holds, on top of the buffer */
  gint64  resample_slip;      /* packets taken up by it: + pulled two in a period, - none */
  gboolean room_mix;          /* this is a mix room's mix, from its server */
  guint   server_depth;       /* the mix: the server's buffer for our stream,
                               * packets, as it reports (0: not known) */
} JnPeerStats;

typedef struct
{
  guint32 local_id;
  guint16 udp_port;
  guint64 packets_sent;
  guint64 bytes_sent;         /* of the datagrams, sealed, without UDP/IP headers */
  guint64 bytes_received;     /* likewise, of what came in from members */
  guint64 send_errors;
  gboolean sealed;            /* media encrypted and authenticated */
  guint64 dropped_non_member;
  guint64 dropped_unauthentic; /* sealed: failed to open (forged, mutated, no key) */
  guint64 dropped_replayed;   /* sealed: opened before or too old for the window */
  guint64 media_held;         /* sealed: not sent, the peer's address had not consented */
  guint64 roamed;             /* sealed: a peer's authentic datagrams moved to another address */
  guint64 dropped_malformed;
  guint64 malformed[JN_PROTOCOL_ERROR_N_CODES];
  guint64 clock_skips;        /* periods skipped after the thread stalled */
  guint64 clock_fallbacks;    /* times the device stopped pacing the packets and our timer stood in */
  gboolean device_drift_valid;
  double  device_drift_ppm;   /* our device's clock against this machine's */
  guint   device_drift_restarts;  /* the estimate started over (jn-drift.h) */
  guint   device_drift_steps;
  guint64 stalls;             /* times the media thread ran nothing for 250 ms or more */
  guint64 encode_errors;      /* Opus: periods the encoder failed (not sent) */
  guint64 audio_bytes_sent;   /* PCM samples in our audio packets, once per packet */
  guint64 copy_bytes_sent;    /* copies in them (docs/protocol.md 3.2), likewise */
  guint   audio_copies;       /* copies in each audio packet now */
  gboolean audio_copies_auto; /* following the receivers' reports */
  guint64 midi_packets_sent;  /* MIDI datagrams, copies and journal-only ones included */
  guint64 midi_journal_bytes; /* of those, bytes of recovery journal */
  guint64 midi_journal_only;  /* journal-only datagrams (nothing new to send, not yet acknowledged) */

  /* the media thread's scheduling (docs/architecture.md, "Real-time priority") */
  gint    media_tid;
  JnRealtimeState realtime;
  char    media_scheduling[24]; /* as the kernel has it: "SCHED_FIFO 15", "SCHED_OTHER" */
  char    realtime_via[8];     /* granted by: "direct", "rtkit", "portal" */
  char    realtime_refusal[200]; /* refused: why, for people */

  /* the PNBTR worker (all 0 and "" when none runs) */
  char    pnbtr_backend[16];  /* "starting", "cpu", "opencl", "cuda", "none" */
  char    pnbtr_device[256];
  guint64 pnbtr_jobs;         /* models asked of the worker */
  guint64 pnbtr_installed;    /* came back in time and were installed */
  guint64 pnbtr_late;         /* came back after their deadline: dropped */
  guint64 pnbtr_in_gap;       /* came back during a gap: dropped */
  guint64 pnbtr_queue_full;   /* could not be asked: the queue was full */
  guint64 pnbtr_failures;     /* batches a backend failed (redone on the CPU) */
  double  pnbtr_batch_ms;     /* the last batch, submit to result */
  double  pnbtr_job_ms;       /* what one stream's model costs the worker (average) */
  guint   pnbtr_refit_periods; /* each stream's model is refitted this often */
} JnEngineStats;

/* Figures kept as time series, one sample per clock-sync period (10 Hz),
 * for the last 15 minutes. */
typedef enum
{
  JN_METRIC_RTT_MS,
  JN_METRIC_ONE_WAY_MS,
  JN_METRIC_JITTER_MS,
  JN_METRIC_BUFFER_LEVEL,
  JN_METRIC_BUFFER_DEPTH,
  JN_METRIC_LOSS_PERCENT,
  JN_METRIC_LOST_PACKETS,       /* packets found missing since the previous sample */
  JN_METRIC_CONCEALED_PACKETS,  /* packet periods concealed since the previous sample */
  JN_N_METRICS
} JnMetric;

#define JN_SERIES_CAPACITY (15 * 60 * JN_SYNC_RATE_HZ)

const char    *jn_metric_to_string           (JnMetric             metric);

G_END_DECLS

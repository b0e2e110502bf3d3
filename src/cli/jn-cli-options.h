/* jn-cli-options.h: jamnet-cli's command line and its checks
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "jn-session.h"

G_BEGIN_DECLS

typedef enum
{
  JN_CLI_HOST,
  JN_CLI_JOIN,
  JN_CLI_DEMO,
  JN_CLI_LATENCY_TEST,
  JN_CLI_LIST,
  JN_CLI_DEVICES,
  JN_CLI_ROOMS,
} JnCliMode;

/* --volume NAME=GAIN[:PAN] */
typedef struct
{
  char     *name;
  double    gain;
  gboolean  mute;
  double    pan;
} JnCliVolume;

typedef struct
{
  JnCliMode mode;
  char     *url;            /* join, latency-test; rooms: the server */

  int       port;
  int       udp_port;
  char     *bind;
  char     *name;
  char     *session;
  char     *passphrase;
  char     *certificate;    /* host: PEM with certificate and key */
  gboolean  trust_new_certificate;
  gboolean  create_room;    /* join a server's room: make it if it is not open */
  gboolean  unlisted;       /* with --create: keep it off the server's room list */
  char     *stun;           /* join a room: the player's own STUN server */
  char     *turn;           /* and TURN server, USER:PASSWORD@IP:PORT */
  char     *input;
  gboolean  silence;
  char     *record;
  char     *record_midi;
  double    duration;
  char     *stats_json;
  char     *report;
  gboolean  quiet;
  int       jitter_depth;
  double    safety;
  char     *latency;
  char     *plc;
  char     *pnbtr_backend;
  char     *audio;
  char     *audio_device;
  char     *connect[JN_AUDIO_N_LINKS];   /* --audio-in .. --midi-out */
  int       frames;
  int       rate;
  int       channels;
  char     *sample_format;
  char     *codec;          /* pcm, opus */
  int       bitrate_kbps;   /* Opus, per channel */
  JnAudioFormat format;     /* from --rate, --frames, --channels, --sample-format, --codec, --bitrate */
  int       midi_test;
  int       midi_interval_ms;
  int       midi_redundancy;
  char     *redundancy;      /* "auto" or 0..4 */
  int       copies;          /* parsed: -1 auto */
  int       max_upload_kbps;
  double    tempo;
  gboolean  echo;
  gboolean  private_session;
  gboolean  insecure;
  int       count;
  double    monitor_gain;
  double    master_gain;
  char    **volume_args;
  GArray   *volumes;         /* JnCliVolume, parsed */
  gboolean  metronome;
  char     *metronome_log;
  char     *chat;            /* said to everyone once another player is there */
  double    delay_ms;
  double    jitter_ms;
  double    loss_percent;
} JnCliOptions;

/* Parses and checks the command line.  FALSE when the program should exit
 * now, with *exit_status (help, usage or a bad value: already printed). */
gboolean jn_cli_options_parse          (JnCliOptions     *options,
                                        int              *argc,
                                        char           ***argv,
                                        int              *exit_status);
void     jn_cli_options_clear          (JnCliOptions     *options);
/* The --volume settings for a player of that name, applied; FALSE: none. */
gboolean jn_cli_options_apply_volume   (const JnCliOptions *options,
                                        JnPeer             *peer);
/* The session's configuration; its strings point into options. */
void     jn_cli_options_session_config (const JnCliOptions *options,
                                        JnSessionConfig    *config);
/* What the session sends, records and measures, from the options; the
 * rate of the WAV file streamed (0: none) in *wav_rate. */
gboolean jn_cli_options_setup_session  (const JnCliOptions *options,
                                        JnSession          *session,
                                        guint              *wav_rate,
                                        GError            **error);

G_END_DECLS

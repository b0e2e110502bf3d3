/* jn-audio-private.h: what every backend provides
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <stdatomic.h>

#include "jn-audio.h"

G_BEGIN_DECLS

typedef struct
{
  const char *name;
  gpointer  (*open)  (JnAudioDevice *device, GError **error);
  void      (*close) (gpointer backend_data);
} JnAudioBackend;

struct _JnAudioDevice
{
  const JnAudioBackend *backend;
  gpointer              backend_data;
  JnAudioConfig         config;
  char                 *name;
  JnAudioProcess        process;
  gpointer              user_data;
  atomic_uint_least64_t xruns;
  atomic_uint_least64_t periods;
};

extern const JnAudioBackend jn_audio_backend_pipewire;
extern const JnAudioBackend jn_audio_backend_null;

G_END_DECLS

/* jn-stats-json.h: the machine-readable stats of a session
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <json-glib/json-glib.h>

#include "jn-media-engine.h"

G_BEGIN_DECLS

JsonNode *jn_summary_to_json              (const JnSummary *summary);
/* A JSON object: engine counters and one object per peer, departed ones
 * included (docs/protocol.md, "Stats JSON"). */
JsonNode *jn_media_engine_stats_to_json   (JnMediaEngine   *engine);

G_END_DECLS

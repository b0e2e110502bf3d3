/* jn-level-meter.h: a peak and RMS meter in dBFS, with a peak hold and a
 * clip light, fed once a frame (docs/architecture.md, "Meters")
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

#define JN_TYPE_LEVEL_METER (jn_level_meter_get_type ())
G_DECLARE_FINAL_TYPE (JnLevelMeter, jn_level_meter, JN, LEVEL_METER, GtkWidget)

/* the meter's range: JN_LEVEL_METER_FLOOR_DB .. 0 dBFS */
#define JN_LEVEL_METER_FLOOR_DB -60.0

GtkWidget *jn_level_meter_new          (void);
/* What came since the last frame: the loudest sample and the RMS, linear
 * (both 0 when nothing came), at frame_time_us (the frame clock's). */
void       jn_level_meter_push         (JnLevelMeter *self,
                                        double        peak,
                                        double        rms,
                                        gint64        frame_time_us);
/* What it shows, in dBFS ("peak-db", "rms-db"; the floor when silent),
 * and whether it has clipped in the last two seconds ("clipped"). */
double     jn_level_meter_get_peak_db  (JnLevelMeter *self);
double     jn_level_meter_get_rms_db   (JnLevelMeter *self);
gboolean   jn_level_meter_get_clipped  (JnLevelMeter *self);

G_END_DECLS

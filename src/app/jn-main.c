/* jn-main.c: the jamnet program: everything else is in libjamnet-app
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib/gi18n.h>
#include <locale.h>

#include "jn-application.h"

int
main (int argc, char *argv[])
{
  g_autoptr(JnApplication) application = NULL;

  setlocale (LC_ALL, "");
  /* JAMNET_LOCALEDIR: the build tree's translations (build-aux/jamnet.sh run) */
  bindtextdomain (GETTEXT_PACKAGE, g_getenv ("JAMNET_LOCALEDIR") ? g_getenv ("JAMNET_LOCALEDIR") : LOCALEDIR);
  bind_textdomain_codeset (GETTEXT_PACKAGE, "UTF-8");
  textdomain (GETTEXT_PACKAGE);

  application = jn_application_new ();
  return g_application_run (G_APPLICATION (application), argc, argv);
}

/* jn-identity.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "jn-identity"

#include "config.h"

#include <glib/gi18n-lib.h>
#include <glib/gstdio.h>
#include <gnutls/gnutls.h>
#include <gnutls/crypto.h>
#include <gnutls/x509.h>
#include <string.h>

#include "jn-identity.h"

#define IDENTITY_FILE  "host-identity.pem"
#define VALID_YEARS    20

char *
jn_certificate_fingerprint (GTlsCertificate *certificate)
{
  g_autoptr(GByteArray) der = NULL;
  g_autoptr(GChecksum) sha = g_checksum_new (G_CHECKSUM_SHA256);
  guint8 digest[32];
  gsize n = sizeof digest;
  char *text;

  g_return_val_if_fail (G_IS_TLS_CERTIFICATE (certificate), NULL);

  g_object_get (certificate, "certificate", &der, NULL);
  if (der == NULL)
    return NULL;
  g_checksum_update (sha, der->data, der->len);
  g_checksum_get_digest (sha, digest, &n);
  text = g_base64_encode (digest, n);
  /* base64url, no padding */
  for (char *p = text; *p; p++)
    *p = *p == '+' ? '-' : *p == '/' ? '_' : *p;
  text[JN_FINGERPRINT_CHARS] = '\0';
  return text;
}

gboolean
jn_fingerprint_is_valid (const char *fingerprint)
{
  return fingerprint != NULL && strlen (fingerprint) == JN_FINGERPRINT_CHARS &&
         strspn (fingerprint, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_") ==
           JN_FINGERPRINT_CHARS;
}

static gboolean
tls_failed (int       rc,
            GError  **error)
{
  if (rc >= 0)
    return FALSE;
  g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, _("Cannot make a certificate: %s"),
               gnutls_strerror (rc));
  return TRUE;
}

char *
jn_identity_generate_pem (gint64   valid_from,
                          gint64   valid_until,
                          GError **error)
{
  gnutls_x509_privkey_t key = NULL;
  gnutls_x509_crt_t crt = NULL;
  gnutls_datum_t key_pem = { NULL, 0 }, crt_pem = { NULL, 0 };
  static const char cn[] = "JamNet host";
  guint8 serial[16];
  char *pem = NULL;

  if (tls_failed (gnutls_x509_privkey_init (&key), error) ||
      tls_failed (gnutls_x509_privkey_generate (key, GNUTLS_PK_ECDSA,
                                                GNUTLS_CURVE_TO_BITS (GNUTLS_ECC_CURVE_SECP256R1), 0),
                  error) ||
      tls_failed (gnutls_x509_crt_init (&crt), error) ||
      tls_failed (gnutls_rnd (GNUTLS_RND_NONCE, serial, sizeof serial), error))
    goto out;
  serial[0] &= 0x7F;  /* a positive integer */
  if (tls_failed (gnutls_x509_crt_set_version (crt, 3), error) ||
      tls_failed (gnutls_x509_crt_set_serial (crt, serial, sizeof serial), error) ||
      tls_failed (gnutls_x509_crt_set_activation_time (crt, (time_t) valid_from), error) ||
      tls_failed (gnutls_x509_crt_set_expiration_time (crt, (time_t) valid_until), error) ||
      tls_failed (gnutls_x509_crt_set_dn_by_oid (crt, GNUTLS_OID_X520_COMMON_NAME, 0, cn,
                                                 sizeof cn - 1), error) ||
      tls_failed (gnutls_x509_crt_set_key (crt, key), error) ||
      tls_failed (gnutls_x509_crt_set_basic_constraints (crt, 0, -1), error) ||
      tls_failed (gnutls_x509_crt_set_key_usage (crt, GNUTLS_KEY_DIGITAL_SIGNATURE), error) ||
      tls_failed (gnutls_x509_crt_set_key_purpose_oid (crt, GNUTLS_KP_TLS_WWW_SERVER, 0), error) ||
      tls_failed (gnutls_x509_crt_sign2 (crt, crt, key, GNUTLS_DIG_SHA256, 0), error) ||
      tls_failed (gnutls_x509_privkey_export2_pkcs8 (key, GNUTLS_X509_FMT_PEM, NULL,
                                                     GNUTLS_PKCS_PLAIN, &key_pem), error) ||
      tls_failed (gnutls_x509_crt_export2 (crt, GNUTLS_X509_FMT_PEM, &crt_pem), error))
    goto out;
  pem = g_strdup_printf ("%.*s%.*s", (int) crt_pem.size, (const char *) crt_pem.data,
                         (int) key_pem.size, (const char *) key_pem.data);
out:
  if (key_pem.data != NULL)
    {
      gnutls_memset (key_pem.data, 0, key_pem.size);
      gnutls_free (key_pem.data);
    }
  gnutls_free (crt_pem.data);
  if (crt != NULL)
    gnutls_x509_crt_deinit (crt);
  if (key != NULL)
    gnutls_x509_privkey_deinit (key);
  return pem;
}

/* The server only presents its certificate; it asks for none, so what
 * the database holds is never used to verify anything. */
static GTlsCertificate *
with_database (GTlsCertificate *certificate,
               const char      *path)
{
  GTlsDatabase *database;

  if (certificate == NULL)
    return NULL;
  database = g_tls_file_database_new (path, NULL);
  if (database != NULL)
    g_object_set_data_full (G_OBJECT (certificate), "jn-identity-database", database,
                            g_object_unref);
  return certificate;
}

GTlsDatabase *
jn_identity_get_database (GTlsCertificate *certificate)
{
  g_return_val_if_fail (G_IS_TLS_CERTIFICATE (certificate), NULL);
  return g_object_get_data (G_OBJECT (certificate), "jn-identity-database");
}

GTlsCertificate *
jn_identity_load (const char  *path,
                  GError     **error)
{
  g_autofree char *own = NULL;
  g_autofree char *dir = NULL;
  g_autofree char *pem = NULL;
  g_autoptr(GError) local = NULL;
  GTlsCertificate *certificate;
  gint64 now = g_get_real_time () / G_USEC_PER_SEC;

  if (path != NULL)
    {
      certificate = g_tls_certificate_new_from_file (path, &local);
      if (certificate == NULL)
        g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                     _("“%s” is not a PEM certificate with its private key: %s"), path,
                     local->message);
      return with_database (certificate, path);
    }

  dir = g_build_filename (g_get_user_data_dir (), "jamnet", NULL);
  own = g_build_filename (dir, IDENTITY_FILE, NULL);
  certificate = g_tls_certificate_new_from_file (own, &local);
  if (certificate != NULL)
    return with_database (certificate, own);
  if (!g_error_matches (local, G_FILE_ERROR, G_FILE_ERROR_NOENT))
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                   _("The host identity in %s cannot be read (%s); move it away and JamNet "
                     "makes a new one, which joiners who knew the old one must accept anew"),
                   own, local->message);
      return NULL;
    }

  /* the first session this user hosts: make one, readable only by them */
  pem = jn_identity_generate_pem (now - 24 * 3600, now + (gint64) VALID_YEARS * 365 * 24 * 3600,
                                  error);
  if (pem == NULL)
    return NULL;
  if (g_mkdir_with_parents (dir, 0700) != 0 ||
      !g_file_set_contents_full (own, pem, -1, G_FILE_SET_CONTENTS_CONSISTENT, 0600, error))
    {
      if (error != NULL && *error == NULL)
        g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, _("Cannot create %s"), dir);
      memset (pem, 0, strlen (pem));
      return NULL;
    }
  certificate = g_tls_certificate_new_from_pem (pem, -1, error);
  memset (pem, 0, strlen (pem));
  return with_database (certificate, own);
}

static void
load_in_thread (GTask        *task,
                gpointer      source,
                gpointer      task_data,
                GCancellable *cancellable)
{
  GError *error = NULL;
  GTlsCertificate *certificate = jn_identity_load (task_data, &error);

  if (certificate != NULL)
    g_task_return_pointer (task, certificate, g_object_unref);
  else
    g_task_return_error (task, error);
}

void
jn_identity_load_async (const char          *path,
                        GCancellable        *cancellable,
                        GAsyncReadyCallback  callback,
                        gpointer             user_data)
{
  g_autoptr(GTask) task = g_task_new (NULL, cancellable, callback, user_data);

  g_task_set_source_tag (task, jn_identity_load_async);
  g_task_set_task_data (task, g_strdup (path), g_free);
  g_task_run_in_thread (task, load_in_thread);
}

GTlsCertificate *
jn_identity_load_finish (GAsyncResult  *result,
                         GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, NULL), NULL);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == jn_identity_load_async, NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}

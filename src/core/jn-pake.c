/* jn-pake.c: SPAKE2 (RFC 9382) over ristretto255, with libsodium
 *
 * joiner: X = x·G + w·M        host: Y = y·G + w·N
 * joiner: K = x·(Y - w·N)      host: K = y·(X - w·M)
 * TT = BLAKE2b-512 of the context, the fingerprint, X, Y, K and w, each
 * with its length; the confirmations are BLAKE2b-256 MACs under TT of
 * "host" and "joiner".  M and N come from hashing fixed strings to the
 * group, so nobody knows their discrete logarithms.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "jn-pake"

#include "config.h"

#include <sodium.h>
#include <string.h>

#include "jn-pake.h"

#define CONTEXT "JamNet SPAKE2 ristretto255 v1"

static void
point_from_label (guint8     *point,
                  const char *label)
{
  guint8 h[crypto_core_ristretto255_HASHBYTES];

  crypto_generichash (h, sizeof h, (const guint8 *) label, strlen (label), NULL, 0);
  crypto_core_ristretto255_from_hash (point, h);
}

static void
passphrase_scalar (guint8     *w,
                   const char *passphrase)
{
  guint8 h[crypto_core_ristretto255_NONREDUCEDSCALARBYTES];
  crypto_generichash_state st;

  crypto_generichash_init (&st, NULL, 0, sizeof h);
  crypto_generichash_update (&st, (const guint8 *) CONTEXT " w", sizeof CONTEXT " w");
  crypto_generichash_update (&st, (const guint8 *) passphrase, strlen (passphrase));
  crypto_generichash_final (&st, h, sizeof h);
  crypto_core_ristretto255_scalar_reduce (w, h);
  sodium_memzero (h, sizeof h);
}

void
jn_pake_start (JnPake     *pake,
               gboolean    host,
               const char *passphrase)
{
  guint8 blind[32], wm[32], base[32];

  g_return_if_fail (pake != NULL && passphrase != NULL);

  if (sodium_init () < 0)
    g_error ("libsodium cannot start: no random source");
  memset (pake, 0, sizeof *pake);
  pake->host = host;
  passphrase_scalar (pake->w, passphrase);
  crypto_core_ristretto255_scalar_random (pake->secret);
  point_from_label (blind, host ? CONTEXT " N" : CONTEXT " M");
  /* w is never 0 but for a 2^-252 chance; scalarmult refuses 0 */
  if (crypto_scalarmult_ristretto255 (wm, pake->w, blind) != 0)
    memset (wm, 0, sizeof wm);
  crypto_scalarmult_ristretto255_base (base, pake->secret);
  crypto_core_ristretto255_add (pake->share, base, wm);
  sodium_memzero (wm, sizeof wm);
}

static void
absorb (crypto_generichash_state *st,
        const void               *data,
        gsize                     size)
{
  guint8 len[8];

  for (guint i = 0; i < 8; i++)
    len[i] = (guint8) ((guint64) size >> (8 * i));
  crypto_generichash_update (st, len, sizeof len);
  crypto_generichash_update (st, data, size);
}

gboolean
jn_pake_finish (JnPake       *pake,
                const guint8 *other_share,
                const char   *fingerprint,
                guint8       *host_confirm,
                guint8       *joiner_confirm)
{
  guint8 blind[32], wb[32], unblinded[32], k[32], tt[64];
  const guint8 *x_share, *y_share;
  crypto_generichash_state st;
  gboolean ok = FALSE;

  g_return_val_if_fail (pake != NULL && other_share != NULL && fingerprint != NULL, FALSE);

  if (!crypto_core_ristretto255_is_valid_point (other_share))
    return FALSE;
  /* take the other side's blinding off: its M for the host, N for the joiner */
  point_from_label (blind, pake->host ? CONTEXT " M" : CONTEXT " N");
  if (crypto_scalarmult_ristretto255 (wb, pake->w, blind) != 0 ||
      crypto_core_ristretto255_sub (unblinded, other_share, wb) != 0 ||
      crypto_scalarmult_ristretto255 (k, pake->secret, unblinded) != 0)
    goto out;

  x_share = pake->host ? other_share : pake->share;
  y_share = pake->host ? pake->share : other_share;
  crypto_generichash_init (&st, NULL, 0, sizeof tt);
  absorb (&st, CONTEXT, strlen (CONTEXT));
  absorb (&st, fingerprint, strlen (fingerprint));
  absorb (&st, x_share, 32);
  absorb (&st, y_share, 32);
  absorb (&st, k, sizeof k);
  absorb (&st, pake->w, sizeof pake->w);
  crypto_generichash_final (&st, tt, sizeof tt);
  crypto_generichash (host_confirm, JN_PAKE_CONFIRM_SIZE, (const guint8 *) "host", 4, tt, 32);
  crypto_generichash (joiner_confirm, JN_PAKE_CONFIRM_SIZE, (const guint8 *) "joiner", 6, tt, 32);
  ok = TRUE;
out:
  sodium_memzero (wb, sizeof wb);
  sodium_memzero (unblinded, sizeof unblinded);
  sodium_memzero (k, sizeof k);
  sodium_memzero (tt, sizeof tt);
  return ok;
}

gboolean
jn_pake_confirm_equal (const guint8 *a,
                       const guint8 *b)
{
  return sodium_memcmp (a, b, JN_PAKE_CONFIRM_SIZE) == 0;
}

void
jn_pake_clear (JnPake *pake)
{
  sodium_memzero (pake, sizeof *pake);
}

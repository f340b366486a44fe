/* castore.h - steps 5 and 6 from the CA's side and the device's: the CA database row of each
 * attempt's request, and its certificate in the device's store or in a certificate file. */
#ifndef SCEPSCOPE_CASTORE_H
#define SCEPSCOPE_CASTORE_H

#include <stdbool.h>
#include <stddef.h>

struct diagnosis;

/* How far the CA's clock (and the minute its dates are printed to) may be from the NDES
 * server's: a CA row this far outside an attempt's span still belongs to it. */
#define CASTORE_CLOCK_SLACK_S 300

/* Called once the attempts are formed, before they are judged: gives each attempt that got
 * past the CRP the CA row of its request (submitted inside its window, widened by the slack
 * above and the playbook's tolerance, by the requester NDES uses), and, when that row was
 * issued, the certificates of the stores and files with the same serial number or
 * thumbprint. Those events join the attempt through exchanges of their own (X_CA_REQUEST,
 * X_DEVICE_CERT), so that the timeline shows their attempt and the playbook's signatures and
 * expectations judge them with the rest. A certificate not yet valid or expired at the
 * attempt's time takes the playbook's signature `cert-not-yet-valid` or `cert-expired`.
 * False only when memory runs out. */
bool castore_correlate(struct diagnosis *d);

/* A serial number or a thumbprint as certutil, OpenSSL or a user writes it ("3a 00 0f",
 * "3A:00:0F", "3a000f"), reduced to its lower-case hex digits without leading zeros, for
 * comparing. Returns its length (0: none). Exposed for tests. */
size_t castore_norm_hex(const char *in, size_t n, char *out, size_t cap);

#endif

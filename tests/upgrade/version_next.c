#include "naap/version.h"

/* naapd_next: the same sources as naapd but for this object, which wins over
 * libnaapcore's version.o at link time, so /healthz shows which binary answered. */
const char naap_version[] = NAAPD_VERSION "+next";

#ifndef NAAP_VERSION_H
#define NAAP_VERSION_H

#ifndef NAAPD_VERSION
#define NAAPD_VERSION "0.0.0-dev"
#endif

/** The version this binary reports (NAAPD_VERSION), a symbol rather than a macro so a
 * second build for the upgrade tests can differ by one object file. */
extern const char naap_version[];

#endif

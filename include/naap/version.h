#ifndef NAAP_VERSION_H
#define NAAP_VERSION_H

#ifndef NAAPD_VERSION
#define NAAPD_VERSION "0.0.0-dev"
#endif

#endif

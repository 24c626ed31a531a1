#include "naap/version.h"

const char naap_version[] = NAAPD_VERSION;

#include "check.h"
#include "naap/errors.h"

int main(void)
{
    CHECK(NAAP_DONE > 0); /* not a failure: "< 0" tests must not catch it */
    CHECK_STR(naap_strerror(NAAP_DONE), "done");
    CHECK_STR(naap_strerror(NAAP_OK), "ok");
    CHECK_STR(naap_strerror(NAAP_ENOTFOUND), "not_found");
    CHECK_STR(naap_strerror(-99), "error");
    return check_report("errors");
}

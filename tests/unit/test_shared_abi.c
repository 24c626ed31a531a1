/* The shared block's ABI header (naap/shared.h): a re-executed master adopts a block
 * only when it was made by a build with the same layout, and a worker joins only such a
 * block. */
#define _GNU_SOURCE /* memfd_create */
#include "check.h"
#include "naap/errors.h"
#include "naap/shared.h"

#include <sys/mman.h>
#include <unistd.h>

int main(void)
{
    naap_shared *sh = naap_shared_create();
    CHECK(sh != NULL);
    if (!sh)
        return check_report("shared_abi");
    CHECK(naap_shared_compatible(sh) == NAAP_OK);
    CHECK(naap_shared_fd() >= 0);
    sh->live_workers = 7;

    /* the same memfd mapped again (as after exec) shows what the first mapping wrote */
    int fd = dup(naap_shared_fd());
    CHECK(naap_shared_adopt(fd) == NAAP_OK);
    CHECK(naap_shared_get() != sh);
    CHECK(naap_shared_get()->live_workers == 7);

    /* a build with another layout number: refused, and the adopted block is kept */
    naap_shared *adopted = naap_shared_get();
    adopted->layout = NAAP_SHARED_LAYOUT + 1;
    CHECK(naap_shared_compatible(adopted) == NAAP_ECONFLICT);
    CHECK(naap_shared_adopt(dup(fd)) == NAAP_ECONFLICT);
    CHECK(naap_shared_get() == adopted);
    adopted->layout = NAAP_SHARED_LAYOUT;

    /* a build whose block is bigger or smaller (fields added): refused before mapping */
    int other = memfd_create("other-build", MFD_CLOEXEC);
    CHECK(other >= 0 && ftruncate(other, sizeof(naap_shared) + 64) == 0);
    CHECK(naap_shared_adopt(other) == NAAP_ECONFLICT);
    CHECK(ftruncate(other, 8) == 0);
    CHECK(naap_shared_adopt(other) == NAAP_ERR);
    close(other);

    /* not a block at all */
    naap_shared bad = {.magic = 0};
    CHECK(naap_shared_compatible(&bad) == NAAP_ECONFLICT);
    return check_report("shared_abi");
}

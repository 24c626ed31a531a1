#include "naap/sha1.h"

#include <openssl/evp.h>
#include <pthread.h>
#include <stdlib.h>

/* Fetched once: OpenSSL 3 would look EVP_sha1() up in its provider tables on every call,
 * and ETags hash every answer (issue 15). */
static EVP_MD *sha1_md;
static pthread_once_t sha1_once = PTHREAD_ONCE_INIT;

static void fetch_sha1(void)
{
    if (!(sha1_md = EVP_MD_fetch(NULL, "SHA1", NULL)))
        abort();
}

void naap_sha1(const void *data, size_t len, unsigned char out[NAAP_SHA1_LEN])
{
    pthread_once(&sha1_once, fetch_sha1);
    /* EVP_Digest fails only when OpenSSL cannot allocate; naap_xmalloc aborts then too */
    if (EVP_Digest(data, len, out, NULL, sha1_md, NULL) != 1)
        abort();
}

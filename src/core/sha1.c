#include "naap/sha1.h"

#include <openssl/evp.h>
#include <stdlib.h>

void naap_sha1(const void *data, size_t len, unsigned char out[NAAP_SHA1_LEN])
{
    /* EVP_Digest fails only when OpenSSL cannot allocate; naap_xmalloc aborts then too */
    if (EVP_Digest(data, len, out, NULL, EVP_sha1(), NULL) != 1)
        abort();
}

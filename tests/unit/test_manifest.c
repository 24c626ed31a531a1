#include "check.h"
#include "naap/errors.h"
#include "naap/manifest.h"

#include <stdlib.h>

static const char *check_text(const char *text)
{
    static char err[1100];
    json_t *m = json_loads(text, JSON_DECODE_ANY, NULL);
    int rc = naap_manifest_check(m, err, sizeof(err));
    json_decref(m);
    return rc == NAAP_OK ? "ok" : err;
}

static void test_semver(void)
{
    const char *good[] = {"1.0.0", "0.0.0", "v1.2.3", "=1.2.3", " 1.2.3 ", "1.2.3-alpha.1",
                          "1.2.3-0.3.7", "1.2.3+build.5", "1.2.3-rc.1+b", "10.20.30"};
    const char *bad[] = {"1.0", "1", "01.0.0", "1.02.0", "1.0.0-01", "1.0.0-", "1.0.0+",
                         "a.b.c", "", "1.0.0.0", "1.0.0 x", "1..0"};
    for (size_t i = 0; i < sizeof(good) / sizeof(*good); i++)
        CHECK(naap_semver_valid(good[i]));
    for (size_t i = 0; i < sizeof(bad) / sizeof(*bad); i++)
        CHECK(!naap_semver_valid(bad[i]));
    CHECK(naap_semver_compare("1.0.0", "1.0.1") < 0);
    CHECK(naap_semver_compare("1.10.0", "1.9.0") > 0);
    CHECK(naap_semver_compare("1.0.0-alpha", "1.0.0") < 0);
    CHECK(naap_semver_compare("1.0.0-alpha", "1.0.0-alpha.1") < 0);
    CHECK(naap_semver_compare("1.0.0-alpha.1", "1.0.0-alpha.beta") < 0);
    CHECK(naap_semver_compare("1.0.0-beta.2", "1.0.0-beta.11") < 0);
    CHECK(naap_semver_compare("v2.0.0", "2.0.0") == 0);
}

static void test_manifest(void)
{
    CHECK_STR(check_text("{\"name\":\"my-plugin\",\"displayName\":\"My\",\"version\":\"1.0.0\"}"),
              "ok");
    CHECK_STR(check_text("{\"name\":\"my-plugin\",\"displayName\":\"My\",\"version\":\"1.0.0\","
                         "\"description\":\"d\",\"author\":{\"email\":\"a@b.co\",\"url\":"
                         "\"https://x\"},\"keywords\":[\"a\"],\"frontend\":{\"routes\":[\"/my\","
                         "\"/my/:id/*\"],\"navigation\":{\"path\":\"/my\",\"label\":\"My\"}},"
                         "\"backend\":{\"port\":8080,\"healthCheck\":\"/h\"},\"minShellVersion\":"
                         "\"1.0.0\",\"maxShellVersion\":\"2.0.0\"}"),
              "ok");
    CHECK_STR(check_text("[]"), "Invalid plugin manifest: manifest: must be an object");
    CHECK_STR(check_text("{\"displayName\":\"My\",\"version\":\"1.0.0\"}"),
              "Invalid plugin manifest: name: is required and must be a string");
    CHECK_STR(check_text("{\"name\":\"admin\",\"displayName\":\"My\",\"version\":\"1.0.0\"}"),
              "Invalid plugin manifest: name: is reserved");
    CHECK_STR(check_text("{\"name\":\"ab\",\"displayName\":\"My\",\"version\":\"1.0\"}"),
              "Invalid plugin manifest: name: must be between 3 and 50 characters; version: is "
              "required and must be a valid semver version");
    CHECK_STR(check_text("{\"name\":\"Abc\",\"displayName\":\"My\",\"version\":\"1.0.0\"}"),
              "Invalid plugin manifest: name: must start with a lowercase letter and contain only "
              "letters, numbers, and hyphens");
    CHECK_STR(check_text("{\"name\":\"abc\",\"displayName\":\"My\",\"version\":\"1.0.0\","
                         "\"author\":{\"email\":\"nope\",\"url\":\"ftp://x\"},\"keywords\":[1],"
                         "\"backend\":{\"port\":0,\"healthCheck\":\"h\"},\"frontend\":{\"routes\":"
                         "[\"no-slash\"]},\"minShellVersion\":\"2.0.0\",\"maxShellVersion\":"
                         "\"1.0.0\"}"),
              "Invalid plugin manifest: author.email: must be a valid email; author.url: must "
              "start with http:// or https://; keywords: must be an array of strings; frontend."
              "routes: item 0 is not a valid route; backend.port: must be a number between 1 and "
              "65535; backend.healthCheck: must start with /; minShellVersion: must not be "
              "greater than maxShellVersion");
}

int main(void)
{
    test_semver();
    test_manifest();
    return check_report("test_manifest");
}

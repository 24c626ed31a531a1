#include "check.h"
#include "naap/config.h"
#include "naap/errors.h"
#include "naap/own_schema.h"

#include <stdlib.h>

static void test_expand(void)
{
    char *s = naap_own_schema_expand("SELECT 1 FROM \"User\"", "naapd");
    CHECK(s == NULL);
    s = naap_own_schema_expand("DELETE FROM {naapd}.t WHERE x IN (SELECT x FROM {naapd}.u)", "ops");
    CHECK_STR(s, "DELETE FROM \"ops\".t WHERE x IN (SELECT x FROM \"ops\".u)");
    free(s);
    s = naap_own_schema_expand("{naapd}", "naapd");
    CHECK_STR(s, "\"naapd\"");
    free(s);
}

static int load_with(const char *value)
{
    naap_config cfg;
    char err[256];
    setenv("NAAPD_SCHEMA", value, 1);
    int rc = naap_config_load(&cfg, NULL, err, sizeof(err));
    if (rc != NAAP_OK)
        CHECK(strstr(err, "NAAPD_SCHEMA") != NULL);
    naap_config_free(&cfg); /* also after a failed load, as main.c does */
    return rc;
}

static void test_config_names(void)
{
    CHECK(load_with("naapd") == NAAP_OK);
    CHECK(load_with("naapd_v2") == NAAP_OK);
    CHECK(load_with("public") != NAAP_OK);
    CHECK(load_with("pg_naapd") != NAAP_OK);
    CHECK(load_with("Naapd") != NAAP_OK);
    CHECK(load_with("a\"b") != NAAP_OK);
    CHECK(load_with("1x") != NAAP_OK);
    CHECK(load_with("") != NAAP_OK);
    unsetenv("NAAPD_SCHEMA");
}

int main(void)
{
    test_expand();
    test_config_names();
    return check_report("own_schema");
}

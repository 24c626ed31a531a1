#define _GNU_SOURCE /* memfd_create, pipe2 */

#include "naap/upgrade.h"
#include "naap/alloc.h"
#include "naap/clock.h"
#include "naap/errors.h"
#include "naap/log.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

/* The fd of the hand-over memfd, in the environment of the re-executed master only. */
#define STATE_ENV "NAAPD_UPGRADE_FD"
#define STATE_MAX (1 << 20)

static char **saved_argv;
static char binary_path[PATH_MAX];

/* The path as started, not /proc/self/exe resolved: a deploy that flips a symlink
 * (/usr/local/bin/naapd -> /opt/naapd-1.2/naapd) must be seen as a new binary. Made
 * absolute now because a relative argv[0] means nothing to a later exec if cwd moved. */
void naap_upgrade_init(char **argv)
{
    char cwd[PATH_MAX];
    const char *arg0 = argv[0] ? argv[0] : "";

    saved_argv = argv;
    binary_path[0] = '\0';
    if (arg0[0] == '/' && strlen(arg0) < sizeof(binary_path)) {
        memcpy(binary_path, arg0, strlen(arg0) + 1);
    } else if (strchr(arg0, '/') && getcwd(cwd, sizeof(cwd)) &&
               strlen(cwd) + 1 + strlen(arg0) < sizeof(binary_path)) {
        strcat(strcat(strcpy(binary_path, cwd), "/"), arg0);
    } else { /* found through PATH: only the kernel knows where */
        ssize_t n = readlink("/proc/self/exe", binary_path, sizeof(binary_path) - 1);
        binary_path[n > 0 ? n : 0] = '\0';
    }
}

const char *naap_upgrade_path(void)
{
    return binary_path;
}

/* Package managers and `install` replace a binary by rename or unlink + create (writing
 * into a running executable fails with ETXTBSY), so a new build is a new inode. A
 * missing file counts as changed: the check then fails and says why. */
bool naap_upgrade_binary_changed(void)
{
    struct stat on_disk, running;
    if (stat("/proc/self/exe", &running) != 0)
        return false;
    if (stat(binary_path, &on_disk) != 0)
        return true;
    return on_disk.st_dev != running.st_dev || on_disk.st_ino != running.st_ino;
}

int naap_upgrade_check_start(naap_upgrade_check *c, const char *config_file, int timeout_ms)
{
    int err[2];
    sigset_t none;

    if (pipe2(err, O_CLOEXEC) != 0) {
        naap_log_error("cannot check the new binary: pipe: %s", strerror(errno));
        return NAAP_ERR;
    }
    fflush(NULL);
    pid_t pid = fork();
    if (pid < 0) {
        naap_log_error("cannot check the new binary: fork: %s", strerror(errno));
        close(err[0]);
        close(err[1]);
        return NAAP_ERR;
    }
    if (pid == 0) {
        int devnull = open("/dev/null", O_RDWR);
        if (devnull >= 0)
            dup2(devnull, STDOUT_FILENO); /* the effective configuration: not for the log */
        dup2(err[1], STDERR_FILENO);
        sigemptyset(&none);
        sigprocmask(SIG_SETMASK, &none, NULL); /* the master's mask survives exec */
        if (config_file && config_file[0])
            execl(binary_path, binary_path, "--config", config_file, "check-config", (char *)NULL);
        else
            execl(binary_path, binary_path, "check-config", (char *)NULL);
        dprintf(STDERR_FILENO, "cannot run %s: %s\n", binary_path, strerror(errno));
        _exit(127);
    }
    close(err[1]);
    fcntl(err[0], F_SETFL, fcntl(err[0], F_GETFL) | O_NONBLOCK);
    *c = (naap_upgrade_check){
        .pid = pid, .err_fd = err[0], .deadline_ms = naap_clock_mono_ms() + timeout_ms};
    return NAAP_OK;
}

/* The last non-empty line of what the check wrote to stderr: naapd's own message for a
 * bad configuration, the loader's for a broken ELF, the script's for anything else. */
static void last_line(int fd, char *out, size_t len)
{
    char buf[4096];
    size_t used = 0;
    ssize_t n;

    out[0] = '\0';
    while (used < sizeof(buf) - 1 && (n = read(fd, buf + used, sizeof(buf) - 1 - used)) > 0)
        used += (size_t)n;
    buf[used] = '\0';
    while (used > 0 && (buf[used - 1] == '\n' || buf[used - 1] == '\r'))
        buf[--used] = '\0';
    const char *line = strrchr(buf, '\n');
    line = line ? line + 1 : buf;
    size_t keep = strnlen(line, len - 1);
    memcpy(out, line, keep);
    out[keep] = '\0';
}

int naap_upgrade_check_finish(naap_upgrade_check *c, int status, char *why, size_t len)
{
    char line[256];
    int rc = NAAP_OK;

    last_line(c->err_fd, line, sizeof(line));
    close(c->err_fd);
    if (WIFEXITED(status) && WEXITSTATUS(status) != 0) {
        snprintf(why, len, "check-config exited with status %d%s%s", WEXITSTATUS(status),
                 line[0] ? ": " : "", line);
        rc = NAAP_ERR;
    } else if (WIFSIGNALED(status)) {
        snprintf(why, len, "check-config killed by signal %d (%s)%s%s", WTERMSIG(status),
                 strsignal(WTERMSIG(status)), line[0] ? ": " : "", line);
        rc = NAAP_ERR;
    }
    *c = (naap_upgrade_check){.pid = 0, .err_fd = -1};
    return rc;
}

static void set_cloexec(int fd, bool on)
{
    int fl = fcntl(fd, F_GETFD);
    if (fl >= 0)
        fcntl(fd, F_SETFD, on ? fl | FD_CLOEXEC : fl & ~FD_CLOEXEC);
}

/* The state travels in a memfd, not in the environment: /proc/<pid>/environ keeps the
 * exec-time environment for the life of the process, and the state may hold the
 * development JWT secret. */
int naap_upgrade_exec(const char *state, const int *keep_fds, int nfds)
{
    char fdnum[16];
    size_t len = strlen(state);
    int fd = memfd_create("naapd-upgrade", 0);

    if (fd < 0 || write(fd, state, len) != (ssize_t)len || lseek(fd, 0, SEEK_SET) != 0) {
        naap_log_error("cannot hand over to the new binary: %s", strerror(errno));
        goto out;
    }
    snprintf(fdnum, sizeof(fdnum), "%d", fd);
    setenv(STATE_ENV, fdnum, 1);
    for (int i = 0; i < nfds; i++)
        set_cloexec(keep_fds[i], false);
    fflush(NULL);
    execv(binary_path, saved_argv);
    naap_log_error("cannot execute %s: %s", binary_path, strerror(errno));
    unsetenv(STATE_ENV);
    for (int i = 0; i < nfds; i++)
        set_cloexec(keep_fds[i], true);
out:
    if (fd >= 0)
        close(fd);
    return NAAP_ERR;
}

char *naap_upgrade_take_state(void)
{
    const char *v = getenv(STATE_ENV);
    char *buf = NULL, *end;
    size_t used = 0;
    ssize_t n;

    if (!v)
        return NULL;
    long fd = strtol(v, &end, 10);
    unsetenv(STATE_ENV);
    if (*end || fd < 0 || fd > INT_MAX)
        return NULL;
    buf = naap_xmalloc(STATE_MAX + 1);
    while (used < STATE_MAX && (n = read((int)fd, buf + used, STATE_MAX - used)) > 0)
        used += (size_t)n;
    buf[used] = '\0';
    close((int)fd);
    return buf;
}

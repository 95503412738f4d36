/* LD_PRELOAD shim for bench/clock_sweep.sh: the wall clock (CLOCK_REALTIME, gettimeofday, time)
 * runs CLOCK_SHIFT seconds ahead (or behind); monotonic clocks, sleeps, waits and timers are the
 * real ones. libfaketime shifts those too, which broke Python's time.sleep and PostgreSQL's
 * statement and lock timeouts. */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <stdlib.h>
#include <sys/time.h>
#include <time.h>

static int (*real_clock_gettime)(clockid_t, struct timespec *);
static long shift;

__attribute__((constructor)) static void init(void) {
    const char *value = getenv("CLOCK_SHIFT");
    shift = value ? atol(value) : 0;
    real_clock_gettime = dlsym(RTLD_NEXT, "clock_gettime");
}

int clock_gettime(clockid_t clock, struct timespec *now) {
    if (!real_clock_gettime) init();
    int result = real_clock_gettime(clock, now);
    if (result == 0 && (clock == CLOCK_REALTIME || clock == CLOCK_REALTIME_COARSE)) now->tv_sec += shift;
    return result;
}

int gettimeofday(struct timeval *restrict now, void *restrict zone) {
    struct timespec exact;
    int result = clock_gettime(CLOCK_REALTIME, &exact);
    now->tv_sec = exact.tv_sec;
    now->tv_usec = exact.tv_nsec / 1000;
    (void)zone;
    return result;
}

time_t time(time_t *now) {
    struct timespec exact;
    clock_gettime(CLOCK_REALTIME, &exact);
    if (now) *now = exact.tv_sec;
    return exact.tv_sec;
}

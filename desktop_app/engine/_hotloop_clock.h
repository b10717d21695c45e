/* The hot loop's clocks (included by _hotloop.c only): perf_counter's own clock read directly,
 * and the time-stamp counter with the anchors that place its readings on that clock's
 * timeline. Apart so each file stays readable; `static` throughout, one translation unit. */
#ifndef CONCURRENCY_LAB_HOTLOOP_CLOCK_H
#define CONCURRENCY_LAB_HOTLOOP_CLOCK_H

#include <Python.h>
#include <stdint.h>

#if defined(__linux__)
#include <time.h>

/* time.perf_counter() on Linux is clock_gettime(CLOCK_MONOTONIC) in every CPython 3.x, turned
 * into seconds as _PyTime_AsSecondsDouble does; read here without CPython's overflow checks
 * (a few ns of a ~20 ns reading). */
static inline int
perf_now(double *out)
{
    struct timespec ts;
    if (clock_gettime(CLOCK_MONOTONIC, &ts) != 0) {
        PyErr_SetFromErrno(PyExc_OSError);
        return -1;
    }
    long long ns = (long long)ts.tv_sec * 1000000000LL + ts.tv_nsec;
    *out = ns % 1000000000LL == 0 ? (double)(ns / 1000000000LL) : (double)ns / 1e9;
    return 0;
}
#else
static int
perf_now(double *out)
{
#if PY_VERSION_HEX >= 0x030D0000
    PyTime_t t;
    if (PyTime_PerfCounter(&t) < 0) {
        return -1;
    }
    *out = PyTime_AsSecondsDouble(t);
#else
    _PyTime_t t = _PyTime_GetPerfCounter();
    *out = _PyTime_AsSecondsDouble(t);
#endif
    return 0;
}
#endif

/* The time-stamp counter: ~8 ns a reading against ~17 for clock_gettime on the lab's VM, and
 * on trivial tasks that difference is a tenth of the lab's cost a task (docs/benchmarks.md,
 * issue 14 "Round 5"). Used only where the kernel itself keeps CLOCK_MONOTONIC on it (its
 * clocksource is "tsc": invariant and in step across CPUs, which hot_loop.py checks), and only
 * between readings of the real clock: see `to_seconds`. */
#if defined(__linux__) && (defined(__x86_64__) || defined(__i386__))
#include <x86intrin.h>
#define HAVE_TICKS 1
static inline uint64_t
ticks_now(void)
{
    return __rdtsc();
}
#else
#define HAVE_TICKS 0
static inline uint64_t
ticks_now(void)
{
    return 0;
}
#endif

/* A task's start as the loop keeps it: seconds, or a tick count until the chunk's end. */
typedef union {
    double sec;
    uint64_t tick;
} Mark;

/* The clock read between two tick readings: the pair that anchors ticks to seconds. */
typedef struct {
    uint64_t tick;
    double sec;
} Anchor;

/* Tries at an anchor: the one whose two tick readings are closest is kept. A thread preempted
 * (or interrupted) between them would pair its clock reading with a tick microseconds away,
 * and every start placed by that anchor would move with it; three tries in a row being
 * preempted is far rarer than one. Costs ~0.1 µs a checkpoint (one every 20 µs). */
#define ANCHOR_TRIES 3

static int
read_anchor(Anchor *out)
{
    uint64_t narrowest = UINT64_MAX;
    for (int attempt = 0; attempt < ANCHOR_TRIES; attempt++) {
        double sec;
        uint64_t before = ticks_now();
        if (perf_now(&sec) < 0) {
            return -1;
        }
        uint64_t after = ticks_now();
        /* A counter that went back (a migration between CPUs out of step) gives no window. */
        uint64_t width = after >= before ? after - before : UINT64_MAX - 1;
        if (width < narrowest) {
            narrowest = width;
            out->sec = sec;
            out->tick = after >= before ? before + width / 2 : before;
        }
    }
    return 0;
}

/* Turns `count` tick marks into perf_counter seconds, in place: each is placed on the straight
 * line between the anchors around it (one every CPU_STEP of wall time, and one at the end), so
 * every mark lies between two real clock readings at most a step apart, and a mark that is an
 * anchor's tick becomes that reading exactly. Marks and anchors are both in time order: one
 * forward walk. */
static void
to_seconds(Mark *marks, Py_ssize_t count, const Anchor *anchors, Py_ssize_t anchor_count)
{
    Py_ssize_t k = 0;
    for (Py_ssize_t i = 0; i < count; i++) {
        uint64_t tick = marks[i].tick;
        while (k + 2 < anchor_count && tick >= anchors[k + 1].tick) {
            k++;
        }
        const Anchor *low = &anchors[k], *high = &anchors[anchor_count > 1 ? k + 1 : k];
        double sec;
        if (tick <= low->tick || high->tick <= low->tick) {
            sec = low->sec;
        }
        else if (tick >= high->tick) {
            sec = high->sec;
        }
        else {
            sec = low->sec + (double)(tick - low->tick) * (high->sec - low->sec)
                                 / (double)(high->tick - low->tick);
        }
        /* Never before the previous start, whatever the counter did: spans are never
         * negative. */
        if (i > 0 && sec < marks[i - 1].sec) {
            sec = marks[i - 1].sec;
        }
        marks[i].sec = sec;
    }
}

#endif /* CONCURRENCY_LAB_HOTLOOP_CLOCK_H */

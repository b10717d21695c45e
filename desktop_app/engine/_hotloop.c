/* The worker's hot loop in C: each task's start read from the clock once, at C cost.
 *
 * Why this exists (issue 14, docs/benchmarks.md "Round 4"): the lab's chunk runner on the same
 * loop in Python costs ~134 ns a task of squares against ~74 ns on this one (a bare list
 * comprehension: ~38 ns), and on trivial tasks that held the lab to ~0.55x the throughput of a
 * bare `Pool(2).map`. Every step is the Python loop's (desktop_app/engine/hot_loop.py:
 * `_run_tasks_py`, the reference the tests hold this one to, and the loop wherever this module
 * was not built): per task one clock reading, the board's task number and the task's call;
 * every CPU_STEP of wall time the stop flag, the thread's CPU clock and the board's start
 * time. The stop flag the lab passes is always Python code (hot_loop.py: `_not_stopped` when
 * there is no flag), and calling it is what lets the interpreter switch threads and run signal
 * handlers, as it does between a Python loop's bytecodes: with tasks that are C functions
 * (abs, math.factorial) and a C flag (`bool`), a chunk held the GIL from start to end, so the
 * parent-watch thread could not end an orphaned worker. The module has no state: it declares
 * that it needs no GIL (importing it on a free-threaded build leaves the GIL off, which the
 * lab's own GIL verdict would otherwise report re-enabled) and that it runs in isolated
 * subinterpreters. What differs between CPython versions is the clock call off Linux and how
 * a pending exception is set aside (3.12's PyErr_GetRaisedException).
 *
 * The clock is CPython's own perf_counter (the same value `time.perf_counter()` returns), so
 * marks taken here and in Python (a failed task's end, the chunk's last end) are one timeline.
 * Where the kernel keeps that clock on the time-stamp counter, a task's start is the counter
 * (half the cost), placed on the same timeline between readings of the clock taken at every
 * checkpoint and at the chunk's end (`to_seconds`).
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <math.h>
#include <stdint.h>
#include <string.h>

#include "_hotloop_clock.h"

/* Appends `count` doubles to an array('d') with one call (its C API is not public). */
static int
flush_marks(PyObject *marks, const double *buffer, Py_ssize_t count)
{
    if (count == 0) {
        return 0;
    }
    /* A read-only view of the buffer, not a bytes copy: frombytes makes the one copy. */
    PyObject *view = PyMemoryView_FromMemory((char *)buffer,
                                             count * (Py_ssize_t)sizeof(double), PyBUF_READ);
    if (view == NULL) {
        return -1;
    }
    PyObject *done = PyObject_CallMethod(marks, "frombytes", "O", view);
    Py_DECREF(view);
    if (done == NULL) {
        return -1;
    }
    Py_DECREF(done);
    return 0;
}

/* The checks made once every `step` seconds of wall time: returns 1 to stop, 0 to go on,
 * -1 with an exception set. The CPU clock is read before either reading is recorded, so the
 * two arrays stay in step; the signal check, the one call a task's own code can make raise
 * (a handler it installed), comes last. */
static int
checkpoint(PyObject *stopped, PyObject *read_at, PyObject *read, PyObject *cpu_clock,
           Py_ssize_t mark_index)
{
    PyObject *flag = PyObject_CallNoArgs(stopped);
    if (flag == NULL) {
        return -1;
    }
    int stop = PyObject_IsTrue(flag);
    Py_DECREF(flag);
    if (stop != 0) {
        return stop;
    }
    PyObject *cpu = PyObject_CallNoArgs(cpu_clock);
    if (cpu == NULL) {
        return -1;
    }
    PyObject *index = PyLong_FromSsize_t(mark_index);
    if (index == NULL) {
        Py_DECREF(cpu);
        return -1;
    }
    PyObject *done = PyObject_CallOneArg(read_at, index);
    Py_DECREF(index);
    if (done == NULL) {
        Py_DECREF(cpu);
        return -1;
    }
    Py_DECREF(done);
    done = PyObject_CallOneArg(read, cpu);
    Py_DECREF(cpu);
    if (done == NULL) {
        return -1;
    }
    Py_DECREF(done);
    return PyErr_CheckSignals() < 0 ? -1 : 0;
}

PyDoc_STRVAR(run_tasks_doc,
"run_tasks(func, items, results, marks, read_at, read, board, index, task, stopped,\n"
"          cpu_clock, step, ticks)\n"
"--\n\n"
"Call func on each item of the iterator items, appending each result to the list results\n"
"and each task's start (perf_counter seconds) to the array('d') marks. board is None or a\n"
"writable buffer of doubles: board[index] gets each task's number (task, task + 1, ...) and\n"
"board[index + 1] the start of the task at each checkpoint. Every `step` seconds (and at the\n"
"first task) stopped() is asked (true: return before the task), read_at(len(marks)) and\n"
"read(cpu_clock()) record the thread's CPU clock. With ticks true (and TICKS 1), starts\n"
"are read from the time-stamp counter and placed between readings of perf_counter's clock\n"
"taken at each checkpoint and at the end. A task's exception propagates with the marks so\n"
"far kept; returns None.");

/* What the loop keeps while it runs: the marks (and the anchors, in ticks mode) in buffers of
 * its own, handed to the array('d') once at the end. */
typedef struct {
    Mark *marks;
    Py_ssize_t count, capacity;
    Anchor *anchors;
    Py_ssize_t anchor_count, anchor_capacity;
} Kept;

static int
grow(void **buffer, Py_ssize_t *capacity, size_t item)
{
    void *grown = PyMem_Realloc(*buffer, 2 * (size_t)*capacity * item);
    if (grown == NULL) {
        return -1;
    }
    *buffer = grown;
    *capacity *= 2;
    return 0;
}

/* Reads the clock for a task whose start may be due a check: returns 1 when it is a checkpoint
 * (and, in ticks mode, records an anchor, whose tick becomes the task's start), 0 when it is
 * not, -1 with an exception set. In ticks mode the counter says when a step has passed once
 * its rate is known (`per_step`); until then (`calibrating`, the chunk's first step) one plain
 * clock reading a task decides, and the anchor is read only at the checkpoint itself. */
static int
due_clock(Kept *kept, int ticked, int calibrating, double due, double *now, uint64_t *tick)
{
    if (!ticked) {
        return perf_now(now) < 0 ? -1 : (*now >= due);
    }
    if (calibrating && kept->anchor_count > 0) {
        if (perf_now(now) < 0) {
            return -1;
        }
        if (*now < due) {
            return 0;  /* the start stays the counter's reading */
        }
    }
    Anchor anchor;
    if (read_anchor(&anchor) < 0) {
        return -1;
    }
    *now = anchor.sec;
    *tick = anchor.tick;
    if (kept->anchor_count == kept->anchor_capacity
        && grow((void **)&kept->anchors, &kept->anchor_capacity, sizeof(Anchor)) < 0) {
        PyErr_NoMemory();
        return -1;
    }
    kept->anchors[kept->anchor_count++] = anchor;
    return 1;
}

/* Ticks a step lasts, from the first anchor to the latest (the longer the baseline, the less
 * one reading's error counts), at most twice the last estimate; 0 (read the clock every task,
 * as while calibrating) when there is no rate to trust: the counter did not move forward, or
 * the step is not a positive, finite number of seconds. */
static uint64_t
step_ticks(const Kept *kept, double step, uint64_t previous)
{
    const Anchor *a = &kept->anchors[0], *b = &kept->anchors[kept->anchor_count - 1];
    if (!(step > 0.0) || !isfinite(step) || b->tick <= a->tick || b->sec <= a->sec) {
        return 0;
    }
    double ticks = step * (double)(b->tick - a->tick) / (b->sec - a->sec);
    double cap = previous ? 2.0 * (double)previous : (double)(UINT64_MAX / 4);
    if (ticks > cap) {
        ticks = cap;
    }
    return ticks < 1.0 ? 1 : (uint64_t)ticks;
}

static PyObject *
run_tasks(PyObject *Py_UNUSED(module), PyObject *const *args, Py_ssize_t nargs)
{
    if (nargs != 13) {
        PyErr_Format(PyExc_TypeError, "run_tasks takes 13 arguments (%zd given)", nargs);
        return NULL;
    }
    PyObject *func = args[0], *items = args[1], *results = args[2], *marks = args[3];
    PyObject *read_at = args[4], *read = args[5], *board = args[6];
    PyObject *stopped = args[9], *cpu_clock = args[10];
    if (!PyList_Check(results)) {
        PyErr_SetString(PyExc_TypeError, "results must be a list");
        return NULL;
    }
    if (!PyIter_Check(items)) {
        PyErr_SetString(PyExc_TypeError, "items must be an iterator");
        return NULL;
    }
    Py_ssize_t index = PyLong_AsSsize_t(args[7]);
    if (index == -1 && PyErr_Occurred()) {
        return NULL;
    }
    double task = PyFloat_AsDouble(args[8]);
    if (task == -1.0 && PyErr_Occurred()) {
        return NULL;
    }
    double step = PyFloat_AsDouble(args[11]);
    if (step == -1.0 && PyErr_Occurred()) {
        return NULL;
    }
    int ticked = PyObject_IsTrue(args[12]);
    if (ticked < 0) {
        return NULL;
    }
    ticked = ticked && HAVE_TICKS;
    Py_ssize_t base_count = PyObject_Length(marks);
    if (base_count < 0) {
        return NULL;
    }

    Py_buffer view;
    double *slots = NULL;
    if (board != Py_None) {
        if (PyObject_GetBuffer(board, &view, PyBUF_WRITABLE | PyBUF_C_CONTIGUOUS | PyBUF_FORMAT)
            < 0) {
            return NULL;
        }
        Py_ssize_t doubles = view.len / (Py_ssize_t)sizeof(double);
        if (view.itemsize != (Py_ssize_t)sizeof(double) || view.format == NULL
            || strcmp(view.format, "d") != 0) {
            PyBuffer_Release(&view);
            PyErr_SetString(PyExc_TypeError, "board must be a writable buffer of doubles");
            return NULL;
        }
        if (index < 0 || doubles < 2 || index > doubles - 2) {
            PyBuffer_Release(&view);
            PyErr_Format(PyExc_IndexError, "board slot %zd is outside the board", index);
            return NULL;
        }
        slots = (double *)view.buf;
    }

    Kept kept = {PyMem_Malloc(1024 * sizeof(Mark)), 0, 1024,
                 PyMem_Malloc(64 * sizeof(Anchor)), 0, 64};
    if (kept.marks == NULL || kept.anchors == NULL) {
        PyMem_Free(kept.marks);
        PyMem_Free(kept.anchors);
        if (slots != NULL) {
            PyBuffer_Release(&view);
        }
        return PyErr_NoMemory();
    }

    int failed = 0;
    double due = 0.0, now = 0.0;
    uint64_t due_tick = 0, tick = 0, per_step = 0;
    PyObject *item;
    while ((item = PyIter_Next(items)) != NULL) {
        int check_failed = 0, checking = 1;
        if (ticked) {
            tick = ticks_now();
            checking = tick >= due_tick;
        }
        if (checking) {
            checking = due_clock(&kept, ticked, per_step == 0, due, &now, &tick);
            if (checking < 0) {
                Py_DECREF(item);
                failed = 1;
                break;
            }
        }
        if (checking) {
            int stop = checkpoint(stopped, read_at, read, cpu_clock, base_count + kept.count);
            if (stop > 0) {  /* stopped before this task: it is not run */
                Py_DECREF(item);
                break;
            }
            check_failed = stop < 0;
            if (slots != NULL) {
                slots[index + 1] = now;
            }
            due = now + step;
            if (ticked && kept.anchor_count >= 2) {
                per_step = step_ticks(&kept, step, per_step);
            }
            due_tick = per_step ? tick + per_step : 0;
        }
        if (kept.count == kept.capacity
            && grow((void **)&kept.marks, &kept.capacity, sizeof(Mark)) < 0) {
            Py_DECREF(item);
            if (!check_failed) {
                PyErr_NoMemory();
            }
            failed = 1;
            break;
        }
        /* Every item taken gets its mark, even one whose checkpoint raised: the caller then
         * records it as a failed task and the chunk's marks stay one a task. */
        if (ticked) {
            kept.marks[kept.count++].tick = tick;
        }
        else {
            kept.marks[kept.count++].sec = now;
        }
        if (check_failed) {
            Py_DECREF(item);
            failed = 1;
            break;
        }
        if (slots != NULL) {
            slots[index] = task;
        }
        task += 1.0;
        PyObject *value = PyObject_CallOneArg(func, item);
        Py_DECREF(item);
        if (value == NULL) {
            failed = 1;
            break;
        }
        int appended = PyList_Append(results, value);
        Py_DECREF(value);
        if (appended < 0) {
            failed = 1;
            break;
        }
    }
    if (!failed && PyErr_Occurred()) {  /* the iterator itself raised */
        failed = 1;
    }

    /* The marks so far are kept whatever happened: the caller records a failed task against
     * its own start and resumes the loop. The task's exception wins over a failed flush. */
#if PY_VERSION_HEX >= 0x030C0000
    PyObject *raised = failed ? PyErr_GetRaisedException() : NULL;
#else
    PyObject *type = NULL, *value = NULL, *traceback = NULL;
    if (failed) {
        PyErr_Fetch(&type, &value, &traceback);
    }
#endif
    int flushed = 0;
    if (ticked && kept.count > 0) {
        /* The closing anchor, in place of a kept one if there is no room: never fails. */
        Anchor last;
        if (read_anchor(&last) < 0) {
            PyErr_Clear();
            last = kept.anchors[kept.anchor_count - 1];
        }
        if (kept.anchor_count == kept.anchor_capacity) {
            kept.anchor_count--;
        }
        kept.anchors[kept.anchor_count++] = last;
        to_seconds(kept.marks, kept.count, kept.anchors, kept.anchor_count);
    }
    flushed = flush_marks(marks, (const double *)kept.marks, kept.count);
    PyMem_Free(kept.marks);
    PyMem_Free(kept.anchors);
    if (slots != NULL) {
        PyBuffer_Release(&view);
    }
    if (failed) {
        if (flushed < 0) {
            PyErr_Clear();
        }
#if PY_VERSION_HEX >= 0x030C0000
        PyErr_SetRaisedException(raised);
#else
        PyErr_Restore(type, value, traceback);
#endif
        return NULL;
    }
    if (flushed < 0) {
        return NULL;
    }
    Py_RETURN_NONE;
}

static PyMethodDef hotloop_methods[] = {
    {"run_tasks", (PyCFunction)(void (*)(void))run_tasks, METH_FASTCALL, run_tasks_doc},
    {NULL, NULL, 0, NULL},
};

/* Bumped with every change of run_tasks' arguments or meaning: _worker.py uses this module
 * only when the number is the one it was written for, so a stale build left in a source tree
 * (pip install -e does not rebuild it on a pull) falls back to the Python loop instead of
 * failing every chunk. */
#define HOTLOOP_VERSION 3

static int
hotloop_exec(PyObject *module)
{
    if (PyModule_AddIntConstant(module, "TICKS", HAVE_TICKS) < 0) {
        return -1;
    }
    return PyModule_AddIntConstant(module, "VERSION", HOTLOOP_VERSION);
}

static PyModuleDef_Slot hotloop_slots[] = {
    {Py_mod_exec, hotloop_exec},
#if PY_VERSION_HEX >= 0x030C0000
    /* No module state: safe in isolated subinterpreters (the interpreters kind's workers). */
    {Py_mod_multiple_interpreters, Py_MOD_PER_INTERPRETER_GIL_SUPPORTED},
#endif
#ifdef Py_GIL_DISABLED
    {Py_mod_gil, Py_MOD_GIL_NOT_USED},
#endif
    {0, NULL},
};

static struct PyModuleDef hotloop_module = {
    PyModuleDef_HEAD_INIT,
    .m_name = "desktop_app.engine._hotloop",
    .m_doc = "The worker's hot loop in C (see _hotloop.c and _worker.py).",
    .m_size = 0,
    .m_methods = hotloop_methods,
    .m_slots = hotloop_slots,
};

PyMODINIT_FUNC
PyInit__hotloop(void)
{
    return PyModuleDef_Init(&hotloop_module);
}

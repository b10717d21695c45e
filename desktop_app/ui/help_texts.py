"""The Help menu's texts: how to read each view, the keyboard shortcuts, and About.

Plain data (HTML strings), so the menus module stays about wiring and a test can check that
every shortcut listed here is one the window really has.
"""

from __future__ import annotations

import html

READING_THE_VIEWS = """
<h3>Reading the views</h3>
<p><b>Every view names its run.</b> The line above the tabs says which run the Timing,
Timeline and Results tabs show (lesson, parameters, time). Choosing another lesson clears
them; Output and Errors keep earlier runs, each under a header naming it.</p>
<h4>Timing</h4>
<p>Wall time against pool size (a log<sub>2</sub> axis: 1, 2, 4, 8 are equal steps), the
median of the repeats with a bar from the fastest to the slowest. The speedup view divides the
serial time by each pool's time; efficiency is speedup per worker.</p>
<p><b>The ideal curve</b> is what perfect parallelism would give. For CPU-bound work it is
serial / min(p, cores): past the core count more workers only take turns. For I/O-bound work it
is serial / p: waiting needs no core. Both assume no start-up cost and no messages, so real
pools stay below it, and tiny tasks far below.</p>
<p><b>Noisy</b> marks a measurement whose repeats disagree (a large spread, measured as the
median absolute deviation, against the median): on a shared or busy machine other programs
took the CPU. Run more repeats, or close other programs, before trusting its number.</p>
<h4>Timeline</h4>
<p>One row per worker (thread or process), time to the right. Each bar is one task; adjacent
tasks alternate in shade so two tasks in a row never look like one long one. Green is a task
that finished, red one that failed, amber one still running. The timeline shows one measurement
at a time: choose it in the Measurement box above the plot. A gap in a row is a worker
waiting: for the next task, for the GIL, or for its process to start. Each finished bar is
filled from its bottom edge to the share of its time its worker was on a CPU; the pale rest of
the bar is time the task waited: for the GIL (CPU-bound tasks on threads take turns, so their
bars are about half full), for I/O (a sleeping or downloading task is almost empty), or for a
core another program held. Hover a bar for its numbers. In the lessons that use locks, a lane
per thread and lock below the workers shows when the thread waited for the lock (hatched) and
held it (solid); without the lock, a red tick above a thread's bar marks each of its updates
that another thread's write wiped out.</p>
<h4>CPU</h4>
<p>How many cores were busy over the last minute, sampled four times a second while the view
shows or a run goes on: the lab's own processes (this window, the run host, its workers) in
colour, the rest of the machine in grey stacked above, each run shaded. Where sampling paused
the line breaks. The bars on the right show each core's use right now, in %.</p>
<h4>Output, Results, Errors</h4>
<p>Output is what the workers printed (their own stdout, sent back). Results is the lesson's
table. Errors lists every exception of every worker with its own traceback: expand a row, or
copy it.</p>
"""

# (keys, what they do): the window's real shortcuts (a test checks each one exists).
SHORTCUTS = (
    ("Ctrl+R", "Run the lesson with these settings"),
    ("Esc", "Cancel the run (process workers are killed)"),
    ("Ctrl+E", "Export…"),
    ("Ctrl+Shift+D", "Reset the parameters to the lesson's defaults"),
    ("Ctrl+Q", "Quit (asks first while a run goes)"),
    ("Ctrl+H", "Show or hide the run history (History ▸ Show history)"),
    ("F1", "How to read the views"),
    ("Alt+T, Alt+L, Alt+P, Alt+O, Alt+S", "The Timing, Timeline, CPU, Output and Results tabs"),
)


def shortcuts_html() -> str:
    rows = "".join(
        f"<tr><td><b>{html.escape(keys)}</b>&nbsp;&nbsp;</td><td>{html.escape(text)}</td></tr>"
        for keys, text in SHORTCUTS
    )
    return f"<h3>Keyboard shortcuts</h3><table>{rows}</table>"


def about_html(version: str, settings_path: str) -> str:
    return (
        f"<b>Concurrency Lab {html.escape(version)}</b>"
        "<p>Classic Python concurrency lessons as runnable, measured and visual experiments: "
        "threads, processes, pools, locks, queues and errors.</p>"
        f"<p>Settings are kept in {html.escape(settings_path)} "
        "(Lesson → Reset all settings forgets them).</p>"
    )

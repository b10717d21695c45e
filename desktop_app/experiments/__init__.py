"""Your own code in the lab: a user's experiment file measured like a lesson.

The convention (docs and the template say the same):

- ``def task(x)``: the function measured, called once per input (``async def task(x)`` is
  awaited on the asyncio kind's loop and run to its end by every other kind). Another name is chosen with
  ``PATH:FUNCTION`` (``bench my_file.py:work``); ``module:function`` names an importable module.
- ``def inputs()`` returning an iterable, or an ``INPUTS`` iterable: what ``task`` is called on.
  ``--inputs EXPR`` (evaluated with the file's names) or ``--n N`` replace it: ``inputs(N)``
  when ``inputs`` takes an argument, else ``range(N)``.
- ``def setup()`` (optional): runs once in each process before its first task (once per
  process, shared by a thread pool's threads), to build what every task reads. Pools stay warm
  between runs, so a process that ran it for this version of the file does not run it again.
- The module docstring is the summary the window and the report show.

The file is imported **by path** (never as ``__main__``) under a private module name, in the
run host and again in every worker process (spawn or forkserver): the task never crosses a
pipe, only its file's path and the function's name do (:class:`~.task.UserTask`). The file's
folder goes on ``sys.path`` so it can import its neighbours. Nothing here imports Qt: child
processes import this package.
"""

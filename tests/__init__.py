"""calclab's tests: tests/engine, tests/state and tests/ui mirror the package; the command line, sessions and the
Qt-free isolation checks sit at the top.

Speed is measured in benchmarks/run.py (ratios against a baseline in the same run), not here: a test that asserts a
time only catches a window that froze, with FROZEN_S, a bound no busy machine reaches while it is working.
"""

FROZEN_S = 3.0   # an event-loop stall (or a refusal) this long is a frozen window, not a slow machine

"""Every job the symbolic worker process runs, one module per tab, all of one shape: a module-level function
of plain, picklable arguments (SymPy expressions, names, numbers) that returns a typed, picklable result
(a frozen dataclass). No Qt here: the worker unpickles the function by name, so importing a job stays light.
"""

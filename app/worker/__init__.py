"""Work that time or a queue triggers, not a request: the plan's calendar and the engine's tasks.

`calendar` names the periodic use cases (each a plain function of a session and a day); `engine` registers them
and the queued tasks on procrastinate for `python -m app.cli worker`; `embedded` runs the same functions inside
the app on the SQLite default.
"""

"""Exceptions the CLI catches from the stages (usage errors, exit 2), in a module that
imports nothing: the CLI's own process catches them without loading the stages that
raise them (the build runs in a child process, see childproc.py)."""


class UnreadableFile(Exception):
    """The spec file cannot be read at all (missing, a directory, no permission)."""

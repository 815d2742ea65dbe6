"""Importers: another tool's configuration -> our spec data, with located warnings.

Each importer is a pure function from files on disk to (spec data, comments, diagnostics);
`import_cli.py` prints and writes.
"""

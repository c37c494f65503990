"""Consult: open standard-setting on one Starlette server."""

"""The public, read-only JSON API under /api/v1/, with the same visibility rules as the pages."""

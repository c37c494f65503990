"""Full-text search: derived data, rebuilt from the database at will.

Domains register document sources (`registry.register`); a flush of a registered record
queues an index entry in the same transaction; one indexer applies the queue; queries are
filtered by what the viewer may see.
"""

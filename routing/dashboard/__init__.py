"""The dashboard's rules: signed links, who sees what, filters, periods and spreadsheet cells.

Pure like the rest of ``routing``: the web adapter (``bot/web``) and the storage queries
(``storage/dashboard*.py``) call these; none of them does I/O.
"""

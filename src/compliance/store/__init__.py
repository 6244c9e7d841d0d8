"""The history store: submissions, runs and their findings, kept in a database.

Django's ORM and migrations, the store the web portal will use too.  SQLite by default (one file,
see :func:`compliance.store.setup.default_url`), PostgreSQL (or any database Django supports)
through ``$DATABASE_URL``.  This package is the only code that imports Django, and
:mod:`compliance.store.api` is the only way in: it takes and returns the frozen values of
:mod:`compliance.results`, never model instances.  The check itself never needs a database.
"""

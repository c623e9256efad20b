"""The fast path: every piece that makes a respondent's page cheap to serve.

A respondent's form page was ~7 ms of work, nearly all of it rendering some 200 radio
buttons; it is now ~0.37 ms in process (benchmarks/README.md, "Load"). The pieces:

- ``slots``: pages rendered once with markers where a request's values go, then filled;
- ``answer_page``: the answer form compiled once per round, language and status, from
  stand-ins (``standin``) so that it holds nobody's data, and filled per respondent;
- ``unchanged``: the link's respondent, round and draft read again only once the
  database has changed;
- ``forms``, ``languages``: the form class and the browser's language, looked up once.

Nothing here copies a library's internals. Three pieces that did (each session cookie
verified once, reusing Flask's; the signed CSRF token signed once, Flask-WTF's; no
Flask-Login lookup without a login cookie) saved 20–60 µs a request each, which under
load bought no more than machine noise (benchmarks/README.md, "Load", issue 26); they were
removed rather than kept in step with every upgrade of Flask, Flask-WTF and Flask-Login.
``benchmarks/load/run_load.py --compare`` measures what each remaining piece is worth.

Every cache is an ``assessment.lru.LRUCache`` (``cached`` for functions): bounded, least
recently used dropped first, safe across threads, a failure never kept. The caches of the
app, here and in the store and the engine (which may not import ``web``):

================================= ======================== ===== =========== ==================
Cache (module.name)               Key                      Bound Stale when  Covered by
================================= ======================== ===== =========== ==================
answer_page._compiled_page        round, language, status  64    never [1]   test_answer_page,
                                                                             test_standin
unchanged._Reads (per connection) what was read (a link's 1024  any commit  test_unchanged,
                                  token)                         [4]         test_respond
forms.form_class                  snapshot, kind, language 64    never [2]   test_respond
languages.browser_language        Accept-Language, offered 256   never       test_i18n
store.snapshots._snapshots        snapshot's SHA-256       64    never [2]   test_store
store.snapshots.questionnaire_of  snapshot text            64    never [2]   test_store
scoring._PLANS                    questionnaire, kind      64    never [3]   test_scoring
report.cache._q_digests           questionnaire object id  64    never [3]   test_report_cache
report.cache._field_names         dataclass type           128   never       test_report_cache
================================= ======================== ===== =========== ==================

Bounds are per worker process, except ``unchanged._Reads`` (per database connection:
one per worker thread) and ``_compiled_page``, kept per app in ``app.extensions``. A
compiled page is ~70 KB, a snapshot ~20 KB; the rest are small.

[1] The key holds the whole ``Round`` (client name, period, kind, due date, status,
    anonymity, questionnaire), so an edited round is another key; templates and
    translations change only with a restart. The page is compiled from stand-ins: it
    can show a respondent's or a draft's field only through a slot filled per request,
    and a template that shows any other fails to compile (``standin.NotASlot``).
[2] A questionnaire snapshot is pinned when its round is created and never changed; a
    digest names one text for good.
[3] The entry holds the questionnaire object, so the ``id()`` in its key is not reused.
[4] Kept while the connection's ``PRAGMA data_version`` (commits by other connections)
    and ``total_changes`` (its own writes) are what they were when read: any commit
    anywhere drops them all, so a value is exactly what reading again would give.

Not caches, and not in the table: values computed once per process with
``functools.lru_cache`` and no key from a request (``report.pdf.font_config``,
``report.pdf.stylesheet``, ``vocab.translations``, ``vocab.role_names``,
``report.cache.rendering_fingerprint``); the report cache's PDF files (``report/cache.py``,
on disk, bounded by ``REPORT_CACHE_MB``); ``cached_property`` on immutable objects. Who
may see saved answers (the answer key, checked on every request in ``web.respond``) is
never cached.
"""

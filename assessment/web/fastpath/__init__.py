"""The fast path: every piece that makes a respondent's page cheap to serve.

A respondent's form page was ~7 ms of work, nearly all of it rendering some 200 radio
buttons; it is now ~0.37 ms in process (benchmarks/README.md, "Load"). The pieces:

- ``slots``: pages rendered once with markers where a request's values go, then filled;
- ``answer_page``: the answer form compiled once per round, language and status, from
  stand-ins (``standin``) so that it holds nobody's data, and filled per respondent;
- ``unchanged``: the link's respondent, round and draft read again only once the
  database has changed;
- ``forms``, ``languages``: the form class and the browser's language, looked up once;
- ``csrf_tokens``: the session's signed CSRF token, signed once.

``csrf_tokens`` is the one piece that leans on a library's behaviour (Flask-WTF's tokens
never expiring here): it is kept because the load benchmark found it worth 10 % or more of
the form page's throughput, and ``tests/web/test_csrf_tokens.py`` runs Flask-WTF's own
``generate_csrf`` and ``validate_csrf`` beside it, so an upgrade that changes what they do
fails there. Two pieces that copied Flask's session interface and skipped Flask-Login were
removed (issue 26): under load they bought less than 10 % (benchmarks/README.md, "Load").
``benchmarks/load/run_load.py --compare`` measures what each piece is worth.

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
csrf_tokens._signed               key, field, session's    4096  never [5]   test_csrf_tokens
                                  token
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
[5] Tokens never expire in this app (``WTF_CSRF_TIME_LIMIT`` is None); with a limit set
    the cache is bypassed. Login and logout give the session a new token, hence a new
    key. Every POST is still checked by Flask-WTF.

Not caches, and not in the table: values computed once per process with
``functools.lru_cache`` and no key from a request (``report.pdf.font_config``,
``report.pdf.stylesheet``, ``vocab.translations``, ``vocab.role_names``,
``report.cache.rendering_fingerprint``); the report cache's PDF files (``report/cache.py``,
on disk, bounded by ``REPORT_CACHE_MB``); ``cached_property`` on immutable objects. Who
may see saved answers (the answer key, checked on every request in ``web.respond``) is
never cached.
"""

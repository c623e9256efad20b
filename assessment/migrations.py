"""The schema's history: the named migrations of the set "assessment" (sqlite-utils).

Each migration runs once per database, in a transaction of its own, in the order below,
and is never edited once released: a change to the schema is a new migration at the end.
``upgrade.upgrade`` applies them (with the write lock, then fills derived data) when the
app starts, on ``assessment init-db`` and on restore.

This file imports nothing of the app, so sqlite-utils can also run it on its own::

    sqlite-utils migrate instance/assessment.sqlite3 assessment/migrations.py

(``sqlite-utils migrate`` executes the file with no package around it: no relative
imports here). See docs/operations.md for when to use that and what it leaves to the app.
"""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime

from sqlite_utils import Database
from sqlite_utils.migrations import Migrations

migrations = Migrations("assessment")


def _now() -> str:
    """The current time in UTC as ISO 8601 text (as ``sqlite.utc_stamp``; kept here so that
    no migration depends on the app's code)."""
    return datetime.now(UTC).isoformat(timespec="seconds")


_INITIAL_SCHEMA = [
    """
    CREATE TABLE users (
        id INTEGER PRIMARY KEY,
        email TEXT NOT NULL UNIQUE COLLATE NOCASE,
        name TEXT NOT NULL DEFAULT '',
        password_hash TEXT NOT NULL,
        role TEXT NOT NULL CHECK (role IN ('admin', 'lead', 'member')),
        language TEXT,
        active INTEGER NOT NULL DEFAULT 1,
        last_login_at TEXT,
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL
    )
    """,
    """
    CREATE TABLE clients (
        id INTEGER PRIMARY KEY,
        name TEXT NOT NULL,
        industry TEXT NOT NULL DEFAULT '',
        lead_id INTEGER REFERENCES users(id) ON DELETE SET NULL,
        start_date TEXT,
        notes TEXT NOT NULL DEFAULT '',
        archived_at TEXT,
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL
    )
    """,
    "CREATE INDEX clients_lead ON clients(lead_id)",
    """
    CREATE TABLE rounds (
        id INTEGER PRIMARY KEY,
        client_id INTEGER NOT NULL REFERENCES clients(id) ON DELETE CASCADE,
        kind TEXT NOT NULL CHECK (kind IN ('kickoff', 'quarterly', 'adhoc')),
        period TEXT NOT NULL,
        questionnaire_id TEXT NOT NULL,
        questionnaire_version INTEGER NOT NULL,
        questionnaire_snapshot TEXT NOT NULL,
        due_date TEXT,
        anonymous INTEGER NOT NULL DEFAULT 1,
        status TEXT NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'closed')),
        closed_at TEXT,
        results TEXT,
        created_by INTEGER REFERENCES users(id) ON DELETE SET NULL,
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL,
        UNIQUE (client_id, period, kind)
    )
    """,
    "CREATE INDEX rounds_client ON rounds(client_id, created_at)",
    """
    CREATE TABLE respondents (
        id INTEGER PRIMARY KEY,
        round_id INTEGER NOT NULL REFERENCES rounds(id) ON DELETE CASCADE,
        user_id INTEGER REFERENCES users(id) ON DELETE SET NULL,
        name TEXT NOT NULL,
        email TEXT,
        role TEXT NOT NULL DEFAULT 'other'
            CHECK (role IN ('account', 'delivery', 'finance', 'leadership', 'other')),
        language TEXT,
        token TEXT NOT NULL UNIQUE,
        token_issued_at TEXT NOT NULL,
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL
    )
    """,
    "CREATE INDEX respondents_round ON respondents(round_id)",
    "CREATE INDEX respondents_user ON respondents(user_id)",
    """
    CREATE TABLE responses (
        id INTEGER PRIMARY KEY,
        respondent_id INTEGER NOT NULL UNIQUE REFERENCES respondents(id) ON DELETE CASCADE,
        status TEXT NOT NULL DEFAULT 'draft' CHECK (status IN ('draft', 'submitted')),
        language TEXT,
        submitted_at TEXT,
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL
    )
    """,
    """
    CREATE TABLE answers (
        response_id INTEGER NOT NULL REFERENCES responses(id) ON DELETE CASCADE,
        item_id TEXT NOT NULL,
        value_number REAL,
        value_text TEXT,
        not_applicable INTEGER NOT NULL DEFAULT 0,
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL,
        PRIMARY KEY (response_id, item_id)
    )
    """,
    """
    CREATE TABLE comments (
        id INTEGER PRIMARY KEY,
        response_id INTEGER NOT NULL REFERENCES responses(id) ON DELETE CASCADE,
        sign_id TEXT NOT NULL,
        body TEXT NOT NULL,
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL,
        UNIQUE (response_id, sign_id)
    )
    """,
    """
    CREATE TABLE actions (
        id INTEGER PRIMARY KEY,
        round_id INTEGER NOT NULL REFERENCES rounds(id) ON DELETE CASCADE,
        sign_id TEXT NOT NULL,
        title TEXT NOT NULL,
        owner_id INTEGER REFERENCES users(id) ON DELETE SET NULL,
        owner_name TEXT NOT NULL DEFAULT '',
        due_date TEXT,
        status TEXT NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'done')),
        completed_at TEXT,
        created_by INTEGER REFERENCES users(id) ON DELETE SET NULL,
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL
    )
    """,
    "CREATE INDEX actions_round ON actions(round_id)",
    """
    CREATE TABLE share_links (
        id INTEGER PRIMARY KEY,
        round_id INTEGER NOT NULL REFERENCES rounds(id) ON DELETE CASCADE,
        token TEXT NOT NULL UNIQUE,
        language TEXT NOT NULL DEFAULT 'en',
        created_by INTEGER REFERENCES users(id) ON DELETE SET NULL,
        expires_at TEXT NOT NULL,
        revoked_at TEXT,
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL
    )
    """,
]


@migrations(name="0001_initial")
def _initial(database: Database) -> None:
    for statement in _INITIAL_SCHEMA:
        database.execute(statement)


@migrations(name="0002_audit_log_and_result_summary")
def _audit_and_summary(database: Database) -> None:
    """An audit trail, and a small summary of each closed round's result (index, band,
    trend, escalations, each sign's band and score) in a table of its own, so the
    portfolio reads a few hundred bytes per client instead of whole rounds (whose
    questionnaire snapshot alone is some 20 KB). Rounds closed before this migration get
    theirs from `results.fill_missing_summaries`, which runs after every migration."""
    database.execute(
        """
        CREATE TABLE audit_log (
            id INTEGER PRIMARY KEY,
            user_id INTEGER REFERENCES users(id) ON DELETE SET NULL,
            actor TEXT NOT NULL,
            action TEXT NOT NULL,
            object_type TEXT NOT NULL,
            object_id INTEGER,
            details TEXT NOT NULL DEFAULT '{}',
            created_at TEXT NOT NULL,
            updated_at TEXT NOT NULL
        )
        """
    )
    database.execute("CREATE INDEX audit_log_created ON audit_log(created_at)")
    database.execute(
        """
        CREATE TABLE round_summaries (
            round_id INTEGER PRIMARY KEY REFERENCES rounds(id) ON DELETE CASCADE,
            summary TEXT NOT NULL,
            created_at TEXT NOT NULL,
            updated_at TEXT NOT NULL
        )
        """
    )
    database.execute(
        "CREATE INDEX rounds_client_status ON rounds(client_id, status, created_at, id)"
    )
    database.execute("CREATE INDEX actions_status ON actions(status, due_date)")


@migrations(name="0003_login_failures")
def _login_failures(database: Database) -> None:
    """Failed logins, so repeated guessing can be slowed down (see store.users)."""
    database.execute(
        """
        CREATE TABLE login_failures (
            id INTEGER PRIMARY KEY,
            email TEXT NOT NULL COLLATE NOCASE,
            ip TEXT NOT NULL,
            created_at TEXT NOT NULL,
            updated_at TEXT NOT NULL
        )
        """
    )
    database.execute("CREATE INDEX login_failures_email ON login_failures(email, created_at)")
    database.execute("CREATE INDEX login_failures_ip ON login_failures(ip, created_at)")


@migrations(name="0004_questionnaire_snapshots")
def _questionnaire_snapshots(database: Database) -> None:
    """Each distinct questionnaire snapshot stored once, named by its SHA-256.

    Every round used to carry the whole questionnaire it was created with (some 20 KB):
    most of a large database, the same text thousands of times, and read with every
    round. Rounds now name their snapshot by digest. The hash is computed here rather
    than with the store's helper so that this migration never changes; rounds are read
    one at a time so that a large database is not loaded into memory. SQLite keeps the
    freed pages for reuse; ``VACUUM`` gives them back (docs/operations.md).
    """
    database.execute(
        """
        CREATE TABLE questionnaire_snapshots (
            digest TEXT PRIMARY KEY,
            snapshot TEXT NOT NULL,
            created_at TEXT NOT NULL,
            updated_at TEXT NOT NULL
        )
        """
    )
    database.execute(
        "ALTER TABLE rounds ADD COLUMN questionnaire_digest TEXT"
        " REFERENCES questionnaire_snapshots(digest)"
    )
    now = _now()
    ids = [row[0] for row in database.execute("SELECT id FROM rounds ORDER BY id")]
    for round_id in ids:
        (text,) = database.execute(
            "SELECT questionnaire_snapshot FROM rounds WHERE id = ?", [round_id]
        ).fetchone()
        digest = hashlib.sha256(text.encode()).hexdigest()
        database.execute(
            "INSERT INTO questionnaire_snapshots (digest, snapshot, created_at, updated_at)"
            " VALUES (?, ?, ?, ?) ON CONFLICT (digest) DO NOTHING",
            [digest, text, now, now],
        )
        database.execute(
            "UPDATE rounds SET questionnaire_digest = ? WHERE id = ?", [digest, round_id]
        )
    database.execute("ALTER TABLE rounds DROP COLUMN questionnaire_snapshot")


@migrations(name="0005_user_sessions")
def _user_sessions(database: Database) -> None:
    """One row per login, so that logging out (or a new password, or deactivation) ends
    it for good: the session and remember-me cookies carry a random token whose SHA-256
    must be found here on every request (see store.user_sessions). Cookies made before
    this migration carry a bare user id, find no row and log their users out once."""
    database.execute(
        """
        CREATE TABLE user_sessions (
            id INTEGER PRIMARY KEY,
            user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
            token_hash TEXT NOT NULL UNIQUE,
            remember INTEGER NOT NULL DEFAULT 0,
            expires_at TEXT NOT NULL,
            created_at TEXT NOT NULL,
            updated_at TEXT NOT NULL
        )
        """
    )
    database.execute("CREATE INDEX user_sessions_user ON user_sessions(user_id)")
    database.execute("CREATE INDEX user_sessions_expires ON user_sessions(expires_at)")


@migrations(name="0006_anonymity")
def _anonymity(database: Database) -> None:
    """Anonymity (docs/anonymity.md): each round's two floors, and each respondent's
    answer key.

    A round keeps the floors it was created with; rounds from before this migration get
    the defaults (3, and 5 for comments and text answers), written out here so that this
    migration never changes. ``answer_key`` is the SHA-256 of a secret held in a cookie by
    the browser that saved the respondent's answers. Answers saved in anonymous rounds
    before this migration are locked (``!``, which no secret hashes to): no browser can
    prove it saved them, so the link shows them to nobody and they can be replaced only
    after a new link is issued. Closed anonymous rounds get their stored results scored
    again with the floor by ``results.apply_floors``, which runs after every migration.
    """
    database.execute("ALTER TABLE rounds ADD COLUMN anonymity_floor INTEGER NOT NULL DEFAULT 3")
    database.execute(
        "ALTER TABLE rounds ADD COLUMN anonymity_text_floor INTEGER NOT NULL DEFAULT 5"
    )
    database.execute("ALTER TABLE respondents ADD COLUMN answer_key TEXT")
    database.execute(
        "UPDATE respondents SET answer_key = '!'"
        " WHERE id IN (SELECT respondent_id FROM responses)"
        " AND round_id IN (SELECT id FROM rounds WHERE anonymous = 1)"
    )


# --- 0007_jobs_mail (issue 16 A: background work and the round's mail) -- begin ----------


@migrations(name="0007_jobs_mail")
def _jobs_mail(database: Database) -> None:
    """Mail, reminders and due dates (issue 16).

    ``outbox``: every message, written in the transaction of what caused it and sent
    later by the worker (``jobs.mail``). ``idempotency_key`` names the message's slot
    (an invitation per link, a reminder per person and day…): a second message for the
    same slot is never written. ``subject`` and the bodies are filled in when the worker
    renders it. ``rounds.reminder_days``: days before the due date that the automatic
    reminder goes out (NULL: the ``REMINDER_DAYS`` setting); ``rounds.closed_on_due_date``:
    when the worker closed the round because its due date had passed.
    ``respondents.mail_refused``: why the mail server refused their address.
    """
    database.execute(
        """
        CREATE TABLE outbox (
            id INTEGER PRIMARY KEY,
            idempotency_key TEXT NOT NULL UNIQUE,
            kind TEXT NOT NULL,
            round_id INTEGER REFERENCES rounds(id) ON DELETE CASCADE,
            respondent_id INTEGER REFERENCES respondents(id) ON DELETE SET NULL,
            user_id INTEGER REFERENCES users(id) ON DELETE SET NULL,
            to_address TEXT NOT NULL,
            to_name TEXT NOT NULL DEFAULT '',
            language TEXT,
            details TEXT NOT NULL DEFAULT '{}',
            queued_by TEXT NOT NULL DEFAULT '',
            status TEXT NOT NULL DEFAULT 'queued'
                CHECK (status IN ('queued', 'sending', 'sent', 'failed', 'cancelled')),
            attempts INTEGER NOT NULL DEFAULT 0,
            next_attempt_at TEXT NOT NULL,
            claimed_by TEXT,
            claimed_until TEXT,
            last_error TEXT,
            transport TEXT,
            message_id TEXT,
            subject TEXT,
            body_text TEXT,
            body_html TEXT,
            sent_at TEXT,
            created_at TEXT NOT NULL,
            updated_at TEXT NOT NULL
        )
        """
    )
    database.execute("CREATE INDEX outbox_due ON outbox(status, next_attempt_at)")
    database.execute("CREATE INDEX outbox_round ON outbox(round_id, respondent_id)")
    database.execute("ALTER TABLE rounds ADD COLUMN reminder_days INTEGER")
    database.execute("ALTER TABLE rounds ADD COLUMN closed_on_due_date TEXT")
    database.execute("ALTER TABLE respondents ADD COLUMN mail_refused TEXT")


# --- 0007_jobs_mail -- end ----------------------------------------------------------------


@migrations(name="0008_client_side")
def _client_side(database: Database) -> None:
    """The client's side of a round (docs/scoring.md, "The perception gap").

    A respondent is on the team's side or the client's (``side``); a client contact has a
    role on the client's side (``client_role``; the team roles' CHECK stays as it was, so
    their ``role`` is 'other'). A round pins its questionnaire's mirror, the questionnaire
    its client contacts answer (``mirror_digest``, a snapshot like the team's), stores the
    client side's result when it closes (``client_results``), and says whether the lead
    shares the client-facing summary (``client_summary_shared``), which a share link may
    open instead of the report (``share_links.document``). Rounds from before this
    migration have no mirror: they are the team's alone.
    """
    database.execute(
        "ALTER TABLE respondents ADD COLUMN side TEXT NOT NULL DEFAULT 'team'"
        " CHECK (side IN ('team', 'client'))"
    )
    database.execute(
        "ALTER TABLE respondents ADD COLUMN client_role TEXT CHECK (client_role IS NULL"
        " OR client_role IN ('sponsor', 'owner', 'procurement', 'other'))"
    )
    database.execute(
        "ALTER TABLE rounds ADD COLUMN mirror_digest TEXT"
        " REFERENCES questionnaire_snapshots(digest)"
    )
    database.execute("ALTER TABLE rounds ADD COLUMN client_results TEXT")
    database.execute(
        "ALTER TABLE rounds ADD COLUMN client_summary_shared INTEGER NOT NULL DEFAULT 0"
    )
    database.execute(
        "ALTER TABLE share_links ADD COLUMN document TEXT NOT NULL DEFAULT 'report'"
        " CHECK (document IN ('report', 'client_summary'))"
    )


@migrations(name="0009_review_calendar")
def _review_calendar(database: Database) -> None:
    """The review calendar (assessment/review_calendar.py): each client's review cadence
    (every client starts quarterly, the cadence the app has always suggested) and whether
    the rounds the calendar opens invite their respondents at once (``review_auto_send``;
    off: the lead confirms the respondents first). ``invitations_held`` marks a round the
    calendar opened whose respondents the lead has not confirmed yet."""
    database.execute(
        "ALTER TABLE clients ADD COLUMN review_cadence TEXT NOT NULL DEFAULT 'quarterly'"
        " CHECK (review_cadence IN ('quarterly', 'half-yearly', 'yearly', 'off'))"
    )
    database.execute("ALTER TABLE clients ADD COLUMN review_auto_send INTEGER NOT NULL DEFAULT 0")
    database.execute("ALTER TABLE rounds ADD COLUMN invitations_held INTEGER NOT NULL DEFAULT 0")


@migrations(name="0010_leadership_packs")
def _leadership_packs(database: Database) -> None:
    """Leadership packs asked for in the web app and made in the background
    (assessment/pack_jobs.py): what was asked (period, language, who to mail it to), how
    far it is (reports done of total, so a progress bar survives a reload) and the file
    it made, kept under ``packs/`` in the instance folder."""
    database.execute(
        """
        CREATE TABLE pack_jobs (
            id INTEGER PRIMARY KEY,
            period TEXT NOT NULL,
            language TEXT NOT NULL,
            status TEXT NOT NULL DEFAULT 'queued'
                CHECK (status IN ('queued', 'running', 'done', 'failed')),
            done INTEGER NOT NULL DEFAULT 0,
            total INTEGER NOT NULL DEFAULT 0,
            recipients TEXT NOT NULL DEFAULT '',
            file TEXT,
            error TEXT,
            requested_by INTEGER REFERENCES users(id) ON DELETE SET NULL,
            created_at TEXT NOT NULL,
            updated_at TEXT NOT NULL,
            finished_at TEXT
        )
        """
    )
    database.execute("CREATE INDEX pack_jobs_created ON pack_jobs(created_at)")


@migrations(name="0011_team_view")
def _team_view(database: Database) -> None:
    """The team view (``store/team_views.py``): per round, whether the lead shares a
    read-only summary with the people who answered, and which next steps (by sign id,
    a JSON list) it shows. A round without a row shares nothing."""
    database.execute(
        """
        CREATE TABLE team_views (
            round_id INTEGER PRIMARY KEY REFERENCES rounds(id) ON DELETE CASCADE,
            shared INTEGER NOT NULL DEFAULT 0,
            steps TEXT NOT NULL DEFAULT '[]',
            updated_by INTEGER REFERENCES users(id) ON DELETE SET NULL,
            updated_at TEXT NOT NULL
        )
        """
    )


@migrations(name="0012_client_display")
def _client_display(database: Database) -> None:
    """How a round shows its client contacts' answers, chosen when it is created
    (docs/anonymity.md, "The client's side"): ``client_display`` 'combined' (anonymous
    within the client group, shown from ``client_floor`` client answers) or 'attributed'
    (each contact's view shown to the team by name). Rounds from before keep what they
    promised: combined, from their own anonymity floor."""
    database.execute(
        "ALTER TABLE rounds ADD COLUMN client_display TEXT NOT NULL DEFAULT 'combined'"
        " CHECK (client_display IN ('combined', 'attributed'))"
    )
    database.execute(
        "ALTER TABLE rounds ADD COLUMN client_floor INTEGER NOT NULL DEFAULT 2"
        " CHECK (client_floor >= 2)"
    )
    database.execute("UPDATE rounds SET client_floor = anonymity_floor")


@migrations(name="0013_draft_transfer")
def _draft_transfer(database: Database) -> None:
    """Carrying a draft to another device (``store/draft_transfers.py``) and drafts that
    keep an invalid answer as typed.

    ``draft_transfers``: one row per offer to continue on another device, by a code shown
    on the screen or a link mailed to the respondent. Nothing readable is kept: the
    code's or link's hash (``secret_hash``), the answer key sealed under the code or link
    (``sealed_key``, readable only with them), and for a mailed link the link's secret
    sealed under the server's secret key until the message is written (``mail_secret``).
    A row is deleted once used, after too many wrong codes, or when it expires.

    ``responses.invalid``: a JSON object of the form fields whose typed text was kept as
    typed because it is not a valid answer yet (a draft only; a submission has none)."""
    database.execute(
        """
        CREATE TABLE draft_transfers (
            id INTEGER PRIMARY KEY,
            respondent_id INTEGER NOT NULL REFERENCES respondents(id) ON DELETE CASCADE,
            kind TEXT NOT NULL CHECK (kind IN ('code', 'link')),
            salt TEXT NOT NULL,
            secret_hash TEXT NOT NULL,
            sealed_key TEXT NOT NULL,
            mail_secret TEXT,
            attempts INTEGER NOT NULL DEFAULT 0,
            expires_at TEXT NOT NULL,
            created_at TEXT NOT NULL
        )
        """
    )
    database.execute("CREATE INDEX draft_transfers_respondent ON draft_transfers(respondent_id)")
    database.execute("ALTER TABLE responses ADD COLUMN invalid TEXT")


@migrations(name="0014_people")
def _people(database: Database) -> None:
    """One person, one link; a reset link instead of a password set by an admin; forms
    kept across an expired login (issue 25).

    ``respondents.email_key`` is the respondent's email as it is compared (trimmed,
    NFKC, case-folded: ``EMMA@`` and full-width ``ｅｍｍａ@`` are ``emma@``), unique per
    round (team and client side together). Rounds from before this migration may hold
    one person twice: nobody is deleted (either may have answered), the earliest keeps
    the key and the later ones none, so the upgrade never fails and the duplicates are
    refused from now on. ``password_resets`` keeps the SHA-256 of each one-time reset
    link and the salt its secret is made from with the instance's key
    (``store/password_resets.py``); ``form_stashes`` the fields of a lead's form
    posted after their login or its CSRF token expired, until they log in again and
    confirm it (``web/resume.py``).
    """
    import unicodedata

    database.execute("ALTER TABLE respondents ADD COLUMN email_key TEXT")
    seen: set[tuple[int, str]] = set()
    rows = database.execute(
        "SELECT id, round_id, email FROM respondents WHERE email IS NOT NULL ORDER BY id"
    ).fetchall()
    for respondent_id, round_id, email in rows:
        key = unicodedata.normalize("NFKC", email.strip()).casefold() or None
        if key is None or (round_id, key) in seen:
            continue
        seen.add((round_id, key))
        database.execute("UPDATE respondents SET email_key = ? WHERE id = ?", [key, respondent_id])
    database.execute(
        "CREATE UNIQUE INDEX respondents_round_email ON respondents(round_id, email_key)"
        " WHERE email_key IS NOT NULL"
    )
    database.execute(
        """
        CREATE TABLE password_resets (
            id INTEGER PRIMARY KEY,
            user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
            token_hash TEXT NOT NULL UNIQUE,
            salt TEXT NOT NULL,
            delivery TEXT NOT NULL CHECK (delivery IN ('mail', 'shown')),
            created_by INTEGER REFERENCES users(id) ON DELETE SET NULL,
            expires_at TEXT NOT NULL,
            used_at TEXT,
            created_at TEXT NOT NULL,
            updated_at TEXT NOT NULL
        )
        """
    )
    database.execute("CREATE INDEX password_resets_user ON password_resets(user_id)")
    database.execute(
        """
        CREATE TABLE form_stashes (
            id INTEGER PRIMARY KEY,
            key_hash TEXT NOT NULL UNIQUE,
            user_id INTEGER REFERENCES users(id) ON DELETE CASCADE,
            endpoint TEXT NOT NULL,
            path TEXT NOT NULL,
            fields TEXT NOT NULL,
            expires_at TEXT NOT NULL,
            created_at TEXT NOT NULL,
            updated_at TEXT NOT NULL
        )
        """
    )


@migrations(name="0015_action_steps")
def _action_steps(database: Database) -> None:
    """An action keeps the identity of the next step it was made from (``actions.step``,
    ``playbook.NextStep.key``), so every page and PDF shows the step in its own language
    rather than the words of the language it was made in. Existing actions whose title is
    a step's words (in either language) in their round's questionnaire get that step."""
    database.execute("ALTER TABLE actions ADD COLUMN step TEXT")
    # And, with it, a leadership pack asked to include open rounds (``report.pack``): by
    # default a pack takes each client's latest closed round of the period, as the
    # portfolio does.
    database.execute("ALTER TABLE pack_jobs ADD COLUMN include_open INTEGER NOT NULL DEFAULT 0")
    rows = database.execute(
        "SELECT actions.id, actions.sign_id, actions.title, questionnaire_snapshots.snapshot"
        " FROM actions JOIN rounds ON rounds.id = actions.round_id"
        " JOIN questionnaire_snapshots ON questionnaire_snapshots.digest"
        " = rounds.questionnaire_digest"
    ).fetchall()
    for action_id, sign_id, title, snapshot in rows:
        step = _step_of_title(json.loads(snapshot), sign_id, title)
        if step is not None:
            database.execute("UPDATE actions SET step = ? WHERE id = ?", [step, action_id])


def _step_of_title(snapshot: dict, sign_id: str, title: str) -> str | None:
    """The key of the step of ``sign_id`` whose words (English or Chinese) are ``title``,
    read from a stored snapshot as it is (no model: a migration outlives the code)."""
    sign = next((s for s in snapshot.get("signs", []) if s.get("id") == sign_id), None)
    if sign is None:
        return None
    wanted = " ".join(title.split())

    def same(advice) -> bool:
        texts = (advice or {}).get("text") or {}
        return any(" ".join(str(t).split()) == wanted for t in texts.values())

    for band_id, advice in (sign.get("recommendations") or {}).items():
        if same(advice):
            return f"band:{sign_id}:{band_id}"
    if same(sign.get("persisting")):
        return f"persisting:{sign_id}"
    if same(sign.get("gap")):
        return f"gap:{sign_id}"
    return None


@migrations(name="0016_questionnaire_library")
def _questionnaire_library(database: Database) -> None:
    """The questionnaire library (``library.py``): versions of questionnaires uploaded in
    the app. The file itself (TOML, whatever was uploaded) lives in the instance folder,
    under ``questionnaires/`` (``file``, relative to it); ``digest`` names its snapshot as
    ``questionnaire_snapshots`` does. A version is offered for new rounds once published;
    a questionnaire id has each version number once."""
    database.execute(
        """
        CREATE TABLE questionnaire_versions (
            id INTEGER PRIMARY KEY,
            questionnaire_id TEXT NOT NULL,
            version INTEGER NOT NULL,
            digest TEXT NOT NULL,
            file TEXT NOT NULL,
            source_name TEXT NOT NULL DEFAULT '',
            uploaded_by INTEGER REFERENCES users(id) ON DELETE SET NULL,
            published_by INTEGER REFERENCES users(id) ON DELETE SET NULL,
            published_at TEXT,
            created_at TEXT NOT NULL,
            updated_at TEXT NOT NULL,
            UNIQUE (questionnaire_id, version)
        )
        """
    )


@migrations(name="0017_evidence")
def _evidence(database: Database) -> None:
    """Evidence between rounds (assessment/evidence.py, issue 28): the client's invoices
    (one row per client and invoice number, so a re-import updates; the amount as the
    exact decimal text the file gave), the column mapping remembered per client, the
    team's incident log (the moves with which the team spoke up, a comma list of
    ``boundary``, ``process``, ``term``; ``signed``: the author chose to show their name,
    ``signed_name`` as it was then: a person logging through a personal link has no account),
    and whether a round's client summary includes the invoice facts."""
    database.execute(
        """
        CREATE TABLE invoices (
            id INTEGER PRIMARY KEY,
            client_id INTEGER NOT NULL REFERENCES clients(id) ON DELETE CASCADE,
            number TEXT NOT NULL,
            issued TEXT NOT NULL,
            due TEXT NOT NULL,
            paid TEXT,
            amount TEXT NOT NULL,
            currency TEXT NOT NULL,
            created_at TEXT NOT NULL,
            updated_at TEXT NOT NULL,
            UNIQUE (client_id, number)
        )
        """
    )
    database.execute(
        """
        CREATE TABLE invoice_columns (
            client_id INTEGER PRIMARY KEY REFERENCES clients(id) ON DELETE CASCADE,
            mapping TEXT NOT NULL,
            updated_at TEXT NOT NULL
        )
        """
    )
    database.execute(
        """
        CREATE TABLE incidents (
            id INTEGER PRIMARY KEY,
            client_id INTEGER NOT NULL REFERENCES clients(id) ON DELETE CASCADE,
            author_id INTEGER REFERENCES users(id) ON DELETE SET NULL,
            sign TEXT NOT NULL,
            happened TEXT NOT NULL,
            text TEXT NOT NULL,
            moves TEXT NOT NULL DEFAULT '',
            response TEXT NOT NULL DEFAULT '',
            signed INTEGER NOT NULL DEFAULT 0,
            signed_name TEXT NOT NULL DEFAULT '',
            created_at TEXT NOT NULL,
            updated_at TEXT NOT NULL
        )
        """
    )
    database.execute("CREATE INDEX incidents_client ON incidents(client_id, happened)")
    database.execute("CREATE INDEX incidents_author ON incidents(author_id)")
    database.execute(
        "ALTER TABLE rounds ADD COLUMN client_summary_invoices INTEGER NOT NULL DEFAULT 0"
    )


@migrations(name="0018_alerts")
def _alerts(database: Database) -> None:
    """Alerts in the firm's chat (``store/alerts.py``): the channels an admin set up (for the
    whole firm, or one client), and every delivery to them, one row per channel and thing
    that happened (``key``), so a task that runs twice sends nothing twice."""
    database.execute(
        """
        CREATE TABLE alert_channels (
            id INTEGER PRIMARY KEY,
            name TEXT NOT NULL,
            kind TEXT NOT NULL
                CHECK (kind IN ('slack', 'teams', 'wecom', 'dingtalk', 'feishu', 'webhook')),
            url TEXT NOT NULL,
            secret TEXT,
            language TEXT NOT NULL DEFAULT 'en',
            client_id INTEGER REFERENCES clients(id) ON DELETE CASCADE,
            events TEXT NOT NULL DEFAULT '[]',
            enabled INTEGER NOT NULL DEFAULT 1,
            created_by INTEGER REFERENCES users(id) ON DELETE SET NULL,
            created_at TEXT NOT NULL,
            updated_at TEXT NOT NULL
        )
        """
    )
    database.execute(
        """
        CREATE TABLE alert_deliveries (
            id INTEGER PRIMARY KEY,
            channel_id INTEGER NOT NULL REFERENCES alert_channels(id) ON DELETE CASCADE,
            key TEXT NOT NULL,
            event TEXT NOT NULL,
            alert TEXT NOT NULL,
            status TEXT NOT NULL DEFAULT 'queued'
                CHECK (status IN ('queued', 'sending', 'sent', 'failed')),
            attempts INTEGER NOT NULL DEFAULT 0,
            next_attempt_at TEXT NOT NULL,
            claimed_until TEXT,
            last_error TEXT,
            sent_at TEXT,
            created_at TEXT NOT NULL,
            updated_at TEXT NOT NULL,
            UNIQUE (channel_id, key)
        )
        """
    )
    database.execute(
        "CREATE INDEX alert_deliveries_due ON alert_deliveries(status, next_attempt_at)"
    )


@migrations(name="0019_sso")
def _sso(database: Database) -> None:
    """Single sign-on (``web/sso.py``): which account an OpenID provider's person (its
    issuer and ``sub``, which never change, unlike an email) signs in to, linked at their
    first sign-in."""
    database.execute(
        """
        CREATE TABLE user_identities (
            id INTEGER PRIMARY KEY,
            user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
            issuer TEXT NOT NULL,
            subject TEXT NOT NULL,
            email TEXT NOT NULL DEFAULT '',
            last_login_at TEXT,
            created_at TEXT NOT NULL,
            updated_at TEXT NOT NULL,
            UNIQUE (issuer, subject)
        )
        """
    )
    database.execute("CREATE INDEX user_identities_user ON user_identities(user_id)")


@migrations(name="0020_api_tokens")
def _api_tokens(database: Database) -> None:
    """Personal access tokens for the read-only API (``store/api_tokens.py``): only the
    SHA-256 of each token is kept, with what its owner named it, when it expires, when it
    was last used and when it was revoked (by its owner, or by the end of all their
    logins: a new password, deactivation)."""
    database.execute(
        """
        CREATE TABLE api_tokens (
            id INTEGER PRIMARY KEY,
            user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
            name TEXT NOT NULL,
            token_hash TEXT NOT NULL UNIQUE,
            prefix TEXT NOT NULL,
            scope TEXT NOT NULL DEFAULT 'read' CHECK (scope IN ('read')),
            expires_at TEXT NOT NULL,
            last_used_at TEXT,
            revoked_at TEXT,
            created_at TEXT NOT NULL,
            updated_at TEXT NOT NULL
        )
        """
    )
    database.execute("CREATE INDEX api_tokens_user ON api_tokens(user_id)")

-- The schema of Partnership Check's database, as the migrations in
-- assessment/migrations.py leave it (written by `python -m assessment.schema`;
-- tests/store/test_schema.py checks it). Do not edit: add a migration.

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
    updated_at TEXT NOT NULL,
    step TEXT
);

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
);

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
);

CREATE TABLE answers (
    response_id INTEGER NOT NULL REFERENCES responses(id) ON DELETE CASCADE,
    item_id TEXT NOT NULL,
    value_number REAL,
    value_text TEXT,
    not_applicable INTEGER NOT NULL DEFAULT 0,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    PRIMARY KEY (response_id, item_id)
);

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
);

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
);

CREATE TABLE clients (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL,
    industry TEXT NOT NULL DEFAULT '',
    lead_id INTEGER REFERENCES users(id) ON DELETE SET NULL,
    start_date TEXT,
    notes TEXT NOT NULL DEFAULT '',
    archived_at TEXT,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    review_cadence TEXT NOT NULL DEFAULT 'quarterly' CHECK (review_cadence IN ('quarterly', 'half-yearly', 'yearly', 'off')),
    review_auto_send INTEGER NOT NULL DEFAULT 0
);

CREATE TABLE comments (
    id INTEGER PRIMARY KEY,
    response_id INTEGER NOT NULL REFERENCES responses(id) ON DELETE CASCADE,
    sign_id TEXT NOT NULL,
    body TEXT NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    UNIQUE (response_id, sign_id)
);

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
);

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
);

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
);

CREATE TABLE invoice_columns (
    client_id INTEGER PRIMARY KEY REFERENCES clients(id) ON DELETE CASCADE,
    mapping TEXT NOT NULL,
    updated_at TEXT NOT NULL
);

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
);

CREATE TABLE login_failures (
    id INTEGER PRIMARY KEY,
    email TEXT NOT NULL COLLATE NOCASE,
    ip TEXT NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);

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
);

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
    finished_at TEXT,
    include_open INTEGER NOT NULL DEFAULT 0
);

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
);

CREATE TABLE questionnaire_snapshots (
    digest TEXT PRIMARY KEY,
    snapshot TEXT NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);

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
);

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
    updated_at TEXT NOT NULL,
    answer_key TEXT,
    mail_refused TEXT,
    side TEXT NOT NULL DEFAULT 'team' CHECK (side IN ('team', 'client')),
    client_role TEXT CHECK (client_role IS NULL OR client_role IN ('sponsor', 'owner', 'procurement', 'other')),
    email_key TEXT
);

CREATE TABLE responses (
    id INTEGER PRIMARY KEY,
    respondent_id INTEGER NOT NULL UNIQUE REFERENCES respondents(id) ON DELETE CASCADE,
    status TEXT NOT NULL DEFAULT 'draft' CHECK (status IN ('draft', 'submitted')),
    language TEXT,
    submitted_at TEXT,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    invalid TEXT
);

CREATE TABLE round_summaries (
    round_id INTEGER PRIMARY KEY REFERENCES rounds(id) ON DELETE CASCADE,
    summary TEXT NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);

CREATE TABLE rounds (
    id INTEGER PRIMARY KEY,
    client_id INTEGER NOT NULL REFERENCES clients(id) ON DELETE CASCADE,
    kind TEXT NOT NULL CHECK (kind IN ('kickoff', 'quarterly', 'adhoc')),
    period TEXT NOT NULL,
    questionnaire_id TEXT NOT NULL,
    questionnaire_version INTEGER NOT NULL,
    due_date TEXT,
    anonymous INTEGER NOT NULL DEFAULT 1,
    status TEXT NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'closed')),
    closed_at TEXT,
    results TEXT,
    created_by INTEGER REFERENCES users(id) ON DELETE SET NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    questionnaire_digest TEXT REFERENCES questionnaire_snapshots(digest),
    anonymity_floor INTEGER NOT NULL DEFAULT 3,
    anonymity_text_floor INTEGER NOT NULL DEFAULT 5,
    reminder_days INTEGER,
    closed_on_due_date TEXT,
    mirror_digest TEXT REFERENCES questionnaire_snapshots(digest),
    client_results TEXT,
    client_summary_shared INTEGER NOT NULL DEFAULT 0,
    invitations_held INTEGER NOT NULL DEFAULT 0,
    client_display TEXT NOT NULL DEFAULT 'combined' CHECK (client_display IN ('combined', 'attributed')),
    client_floor INTEGER NOT NULL DEFAULT 2 CHECK (client_floor >= 2),
    client_summary_invoices INTEGER NOT NULL DEFAULT 0,
    UNIQUE (client_id, period, kind)
);

CREATE TABLE share_links (
    id INTEGER PRIMARY KEY,
    round_id INTEGER NOT NULL REFERENCES rounds(id) ON DELETE CASCADE,
    token TEXT NOT NULL UNIQUE,
    language TEXT NOT NULL DEFAULT 'en',
    created_by INTEGER REFERENCES users(id) ON DELETE SET NULL,
    expires_at TEXT NOT NULL,
    revoked_at TEXT,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    document TEXT NOT NULL DEFAULT 'report' CHECK (document IN ('report', 'client_summary'))
);

CREATE TABLE team_views (
    round_id INTEGER PRIMARY KEY REFERENCES rounds(id) ON DELETE CASCADE,
    shared INTEGER NOT NULL DEFAULT 0,
    steps TEXT NOT NULL DEFAULT '[]',
    updated_by INTEGER REFERENCES users(id) ON DELETE SET NULL,
    updated_at TEXT NOT NULL
);

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
);

CREATE TABLE user_sessions (
    id INTEGER PRIMARY KEY,
    user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    token_hash TEXT NOT NULL UNIQUE,
    remember INTEGER NOT NULL DEFAULT 0,
    expires_at TEXT NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);

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
);

CREATE INDEX actions_round ON actions(round_id);

CREATE INDEX actions_status ON actions(status, due_date);

CREATE INDEX alert_deliveries_due ON alert_deliveries(status, next_attempt_at);

CREATE INDEX api_tokens_user ON api_tokens(user_id);

CREATE INDEX audit_log_created ON audit_log(created_at);

CREATE INDEX clients_lead ON clients(lead_id);

CREATE INDEX draft_transfers_respondent ON draft_transfers(respondent_id);

CREATE INDEX incidents_author ON incidents(author_id);

CREATE INDEX incidents_client ON incidents(client_id, happened);

CREATE INDEX login_failures_email ON login_failures(email, created_at);

CREATE INDEX login_failures_ip ON login_failures(ip, created_at);

CREATE INDEX outbox_due ON outbox(status, next_attempt_at);

CREATE INDEX outbox_round ON outbox(round_id, respondent_id);

CREATE INDEX pack_jobs_created ON pack_jobs(created_at);

CREATE INDEX password_resets_user ON password_resets(user_id);

CREATE INDEX respondents_round ON respondents(round_id);

CREATE UNIQUE INDEX respondents_round_email ON respondents(round_id, email_key) WHERE email_key IS NOT NULL;

CREATE INDEX respondents_user ON respondents(user_id);

CREATE INDEX rounds_client ON rounds(client_id, created_at);

CREATE INDEX rounds_client_status ON rounds(client_id, status, created_at, id);

CREATE INDEX user_identities_user ON user_identities(user_id);

CREATE INDEX user_sessions_expires ON user_sessions(expires_at);

CREATE INDEX user_sessions_user ON user_sessions(user_id);

-- The core schema of autopress (docs/architecture.md). The SQLite twin of this
-- file must stay equivalent: same tables, columns, constraints and indexes.

-- +goose Up
CREATE TABLE accounts (
    id          INTEGER PRIMARY KEY,
    name        TEXT NOT NULL,
    credits     BIGINT NOT NULL DEFAULT 0 CHECK (credits >= 0),
    created_at  TIMESTAMP NOT NULL
);

CREATE TABLE users (
    id             INTEGER PRIMARY KEY,
    account_id     BIGINT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    email          TEXT NOT NULL UNIQUE,
    password_hash  TEXT NOT NULL,
    is_admin       BOOLEAN NOT NULL DEFAULT FALSE,
    created_at     TIMESTAMP NOT NULL,
    last_login_at  TIMESTAMP
);
CREATE INDEX users_account_idx ON users (account_id);

-- scs session store (github.com/alexedwards/scs/sqlite3store: expiry is a julian day).
CREATE TABLE sessions (
    token   TEXT PRIMARY KEY,
    data    BLOB NOT NULL,
    expiry  REAL NOT NULL
);
CREATE INDEX sessions_expiry_idx ON sessions (expiry);

CREATE TABLE api_tokens (
    id            INTEGER PRIMARY KEY,
    account_id    BIGINT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    user_id       BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    name          TEXT NOT NULL,
    token_hash    TEXT NOT NULL UNIQUE,
    prefix        TEXT NOT NULL,
    created_at    TIMESTAMP NOT NULL,
    last_used_at  TIMESTAMP,
    revoked_at    TIMESTAMP
);
CREATE INDEX api_tokens_account_idx ON api_tokens (account_id);

CREATE TABLE sites (
    id          INTEGER PRIMARY KEY,
    account_id  BIGINT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    name        TEXT NOT NULL,
    url         TEXT NOT NULL,
    timezone    TEXT NOT NULL DEFAULT 'UTC',
    created_at  TIMESTAMP NOT NULL,
    updated_at  TIMESTAMP NOT NULL
);
CREATE INDEX sites_account_idx ON sites (account_id, id);

CREATE TABLE clusters (
    id          INTEGER PRIMARY KEY,
    site_id     BIGINT NOT NULL REFERENCES sites(id) ON DELETE CASCADE,
    run_id      BIGINT,
    name        TEXT NOT NULL,
    status      TEXT NOT NULL DEFAULT 'new' CHECK (status IN ('new','ideas_generated','failed')),
    attempts    INTEGER NOT NULL DEFAULT 0,
    last_error  TEXT NOT NULL DEFAULT '',
    last_attempt_run_id  BIGINT,
    created_at  TIMESTAMP NOT NULL,
    updated_at  TIMESTAMP NOT NULL
);
CREATE INDEX clusters_stage_idx ON clusters (site_id, status, created_at, id);

-- Stage 1 input.
CREATE TABLE keywords (
    id            INTEGER PRIMARY KEY,
    site_id       BIGINT NOT NULL REFERENCES sites(id) ON DELETE CASCADE,
    keyword       TEXT NOT NULL,
    keyword_norm  TEXT NOT NULL,
    volume        INTEGER NOT NULL DEFAULT 0 CHECK (volume >= 0),
    difficulty    INTEGER NOT NULL DEFAULT 0 CHECK (difficulty BETWEEN 0 AND 100),
    status        TEXT NOT NULL DEFAULT 'new' CHECK (status IN ('new','clustered','unclustered','failed')),
    cluster_id    BIGINT REFERENCES clusters(id) ON DELETE SET NULL,
    attempts      INTEGER NOT NULL DEFAULT 0,
    last_error    TEXT NOT NULL DEFAULT '',
    last_attempt_run_id  BIGINT,
    created_at    TIMESTAMP NOT NULL,
    updated_at    TIMESTAMP NOT NULL,
    UNIQUE (site_id, keyword_norm)
);
CREATE INDEX keywords_stage_idx ON keywords (site_id, status, created_at, id);


CREATE TABLE ideas (
    id          INTEGER PRIMARY KEY,
    site_id     BIGINT NOT NULL REFERENCES sites(id) ON DELETE CASCADE,
    cluster_id  BIGINT REFERENCES clusters(id) ON DELETE SET NULL,
    run_id      BIGINT,
    title       TEXT NOT NULL,
    summary     TEXT NOT NULL DEFAULT '',
    keywords    TEXT NOT NULL DEFAULT '',
    status      TEXT NOT NULL DEFAULT 'new' CHECK (status IN ('new','queued')),
    created_at  TIMESTAMP NOT NULL,
    updated_at  TIMESTAMP NOT NULL
);
CREATE INDEX ideas_stage_idx ON ideas (site_id, status, created_at, id);

CREATE TABLE tasks (
    id          INTEGER PRIMARY KEY,
    site_id     BIGINT NOT NULL REFERENCES sites(id) ON DELETE CASCADE,
    idea_id     BIGINT NOT NULL UNIQUE REFERENCES ideas(id) ON DELETE CASCADE,
    run_id      BIGINT,
    title       TEXT NOT NULL,
    status      TEXT NOT NULL DEFAULT 'queued' CHECK (status IN ('queued','done','failed')),
    attempts    INTEGER NOT NULL DEFAULT 0,
    last_error  TEXT NOT NULL DEFAULT '',
    last_attempt_run_id  BIGINT,
    created_at  TIMESTAMP NOT NULL,
    updated_at  TIMESTAMP NOT NULL
);
CREATE INDEX tasks_stage_idx ON tasks (site_id, status, created_at, id);

CREATE TABLE content (
    id                    INTEGER PRIMARY KEY,
    site_id               BIGINT NOT NULL REFERENCES sites(id) ON DELETE CASCADE,
    task_id               BIGINT UNIQUE REFERENCES tasks(id) ON DELETE SET NULL,
    run_id                BIGINT,
    title                 TEXT NOT NULL,
    slug                  TEXT NOT NULL,
    html                  TEXT NOT NULL,
    excerpt               TEXT NOT NULL DEFAULT '',
    keywords              TEXT NOT NULL DEFAULT '',
    word_count            INTEGER NOT NULL DEFAULT 0,
    status                TEXT NOT NULL DEFAULT 'draft' CHECK (status IN ('draft','review','approved','rejected','scheduled','publishing','published','failed')),
    attempts              INTEGER NOT NULL DEFAULT 0,
    last_error            TEXT NOT NULL DEFAULT '',
    last_attempt_run_id   BIGINT,
    prompts_extracted_at  TIMESTAMP,
    images_pending        INTEGER NOT NULL DEFAULT 0 CHECK (images_pending >= 0),
    approved_at           TIMESTAMP,
    approved_by           TEXT NOT NULL DEFAULT '',
    scheduled_at          TIMESTAMP,
    unscheduled_reason    TEXT NOT NULL DEFAULT '',
    publish_attempts      INTEGER NOT NULL DEFAULT 0,
    next_attempt_at       TIMESTAMP,
    claim_owner           TEXT NOT NULL DEFAULT '',
    claim_expires_at      TIMESTAMP,
    outcome_unknown       BOOLEAN NOT NULL DEFAULT FALSE,
    published_at          TIMESTAMP,
    late                  BOOLEAN NOT NULL DEFAULT FALSE,
    remote_id             TEXT NOT NULL DEFAULT '',
    remote_url            TEXT NOT NULL DEFAULT '',
    created_at            TIMESTAMP NOT NULL,
    updated_at            TIMESTAMP NOT NULL,
    UNIQUE (site_id, slug)
);
CREATE INDEX content_stage_idx ON content (site_id, status, created_at, id);
CREATE INDEX content_due_idx ON content (status, scheduled_at);
-- Two instances filling the queue can never book one slot twice.
CREATE UNIQUE INDEX content_slot_unique ON content (site_id, scheduled_at) WHERE status IN ('scheduled','publishing');

CREATE TABLE image_prompts (
    id          INTEGER PRIMARY KEY,
    site_id     BIGINT NOT NULL REFERENCES sites(id) ON DELETE CASCADE,
    content_id  BIGINT NOT NULL REFERENCES content(id) ON DELETE CASCADE,
    run_id      BIGINT,
    position    INTEGER NOT NULL DEFAULT 0,
    prompt      TEXT NOT NULL,
    alt         TEXT NOT NULL DEFAULT '',
    status      TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending','done','failed')),
    attempts    INTEGER NOT NULL DEFAULT 0,
    last_error  TEXT NOT NULL DEFAULT '',
    last_attempt_run_id  BIGINT,
    created_at  TIMESTAMP NOT NULL,
    updated_at  TIMESTAMP NOT NULL
);
CREATE INDEX image_prompts_stage_idx ON image_prompts (site_id, status, created_at, id);
CREATE INDEX image_prompts_content_idx ON image_prompts (content_id);

CREATE TABLE images (
    id               INTEGER PRIMARY KEY,
    site_id          BIGINT NOT NULL REFERENCES sites(id) ON DELETE CASCADE,
    content_id       BIGINT NOT NULL REFERENCES content(id) ON DELETE CASCADE,
    image_prompt_id  BIGINT NOT NULL UNIQUE REFERENCES image_prompts(id) ON DELETE CASCADE,
    run_id           BIGINT,
    path             TEXT NOT NULL,
    mime             TEXT NOT NULL,
    alt              TEXT NOT NULL DEFAULT '',
    bytes            BIGINT NOT NULL DEFAULT 0,
    created_at       TIMESTAMP NOT NULL
);
CREATE INDEX images_content_idx ON images (content_id);

CREATE TABLE automation_configs (
    site_id                 BIGINT PRIMARY KEY REFERENCES sites(id) ON DELETE CASCADE,
    enabled                 BOOLEAN NOT NULL DEFAULT FALSE,
    frequency               TEXT NOT NULL DEFAULT 'daily' CHECK (frequency IN ('daily','weekly','monthly')),
    scheduled_time          TEXT NOT NULL DEFAULT '06:00',
    weekday                 INTEGER NOT NULL DEFAULT 1 CHECK (weekday BETWEEN 0 AND 6),
    day_of_month            INTEGER NOT NULL DEFAULT 1 CHECK (day_of_month BETWEEN 1 AND 31),
    next_run_at             TIMESTAMP,
    last_scheduled_at       TIMESTAMP,
    last_scheduled_outcome  TEXT NOT NULL DEFAULT '',
    last_scheduled_detail   TEXT NOT NULL DEFAULT '',
    stage1_enabled          BOOLEAN NOT NULL DEFAULT TRUE,
    stage2_enabled          BOOLEAN NOT NULL DEFAULT TRUE,
    stage3_enabled          BOOLEAN NOT NULL DEFAULT TRUE,
    stage4_enabled          BOOLEAN NOT NULL DEFAULT TRUE,
    stage5_enabled          BOOLEAN NOT NULL DEFAULT TRUE,
    stage6_enabled          BOOLEAN NOT NULL DEFAULT TRUE,
    stage7_enabled          BOOLEAN NOT NULL DEFAULT TRUE,
    max_keywords_per_run    INTEGER NOT NULL DEFAULT 0 CHECK (max_keywords_per_run >= 0),
    max_clusters_per_run    INTEGER NOT NULL DEFAULT 0 CHECK (max_clusters_per_run >= 0),
    max_ideas_per_run       INTEGER NOT NULL DEFAULT 0 CHECK (max_ideas_per_run >= 0),
    max_tasks_per_run       INTEGER NOT NULL DEFAULT 0 CHECK (max_tasks_per_run >= 0),
    max_content_per_run     INTEGER NOT NULL DEFAULT 0 CHECK (max_content_per_run >= 0),
    max_images_per_run      INTEGER NOT NULL DEFAULT 0 CHECK (max_images_per_run >= 0),
    max_approvals_per_run   INTEGER NOT NULL DEFAULT 0 CHECK (max_approvals_per_run >= 0),
    max_credits_per_run     BIGINT NOT NULL DEFAULT 0 CHECK (max_credits_per_run >= 0),
    concurrency             INTEGER NOT NULL DEFAULT 4 CHECK (concurrency BETWEEN 1 AND 64),
    updated_at              TIMESTAMP NOT NULL
);
CREATE INDEX automation_configs_due_idx ON automation_configs (enabled, next_run_at);

CREATE TABLE automation_runs (
    id                INTEGER PRIMARY KEY,
    site_id           BIGINT NOT NULL REFERENCES sites(id) ON DELETE CASCADE,
    account_id        BIGINT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    trigger_type      TEXT NOT NULL CHECK (trigger_type IN ('manual','scheduled')),
    status            TEXT NOT NULL CHECK (status IN ('running','paused','completed','cancelled','failed')),
    current_stage     INTEGER NOT NULL DEFAULT 1 CHECK (current_stage BETWEEN 1 AND 8),
    initial_snapshot  TEXT NOT NULL DEFAULT '{}',
    stage_flags       TEXT NOT NULL DEFAULT '',
    concurrency       INTEGER NOT NULL DEFAULT 4,
    credits_used      BIGINT NOT NULL DEFAULT 0 CHECK (credits_used >= 0),
    credit_cap        BIGINT NOT NULL DEFAULT 0,
    budget_base       BIGINT NOT NULL DEFAULT 0,
    stopped_reason    TEXT NOT NULL DEFAULT '',
    stopped_detail    TEXT NOT NULL DEFAULT '',
    error             TEXT NOT NULL DEFAULT '',
    lease_owner       TEXT NOT NULL DEFAULT '',
    lease_expires_at  TIMESTAMP,
    takeovers         INTEGER NOT NULL DEFAULT 0,
    scheduled_for     TIMESTAMP,
    created_by        TEXT NOT NULL DEFAULT '',
    created_at        TIMESTAMP NOT NULL,
    started_at        TIMESTAMP,
    paused_at         TIMESTAMP,
    resumed_at        TIMESTAMP,
    cancelled_at      TIMESTAMP,
    completed_at      TIMESTAMP,
    updated_at        TIMESTAMP NOT NULL
);
-- The only site lock: one running or paused run per site.
CREATE UNIQUE INDEX automation_runs_one_active ON automation_runs (site_id) WHERE status IN ('running','paused');
CREATE INDEX automation_runs_site_idx ON automation_runs (site_id, created_at);
CREATE INDEX automation_runs_claim_idx ON automation_runs (status, lease_expires_at);

CREATE TABLE run_stage_results (
    run_id         BIGINT NOT NULL REFERENCES automation_runs(id) ON DELETE CASCADE,
    stage          INTEGER NOT NULL CHECK (stage BETWEEN 1 AND 7),
    state          TEXT NOT NULL DEFAULT 'pending' CHECK (state IN ('pending','running','done','skipped')),
    expected       INTEGER NOT NULL DEFAULT 0,
    processed      INTEGER NOT NULL DEFAULT 0,
    failed         INTEGER NOT NULL DEFAULT 0,
    skipped        INTEGER NOT NULL DEFAULT 0,
    units          INTEGER NOT NULL DEFAULT 0,
    credits_used   BIGINT NOT NULL DEFAULT 0,
    limit_reached  BOOLEAN NOT NULL DEFAULT FALSE,
    stop_reason    TEXT NOT NULL DEFAULT '',
    stop_detail    TEXT NOT NULL DEFAULT '',
    started_at     TIMESTAMP,
    finished_at    TIMESTAMP,
    PRIMARY KEY (run_id, stage)
);

-- Per-run, per-operation credit budget and spend (docs/credits.md).
CREATE TABLE run_operation_spend (
    run_id     BIGINT NOT NULL REFERENCES automation_runs(id) ON DELETE CASCADE,
    operation  TEXT NOT NULL,
    budget     BIGINT NOT NULL DEFAULT -1,
    spent      BIGINT NOT NULL DEFAULT 0 CHECK (spent >= 0),
    PRIMARY KEY (run_id, operation)
);

CREATE TABLE run_events (
    id       INTEGER PRIMARY KEY,
    run_id   BIGINT NOT NULL REFERENCES automation_runs(id) ON DELETE CASCADE,
    at       TIMESTAMP NOT NULL,
    stage    INTEGER NOT NULL DEFAULT 0,
    level    TEXT NOT NULL DEFAULT 'info' CHECK (level IN ('info','warn','error')),
    message  TEXT NOT NULL,
    actor    TEXT NOT NULL DEFAULT 'system'
);
CREATE INDEX run_events_run_idx ON run_events (run_id, id);

CREATE TABLE credit_costs (
    operation         TEXT PRIMARY KEY CHECK (operation IN ('clustering','idea_generation','content_generation','image_prompt_extraction','image_generation')),
    credits_per_unit  BIGINT NOT NULL CHECK (credits_per_unit >= 0),
    unit              TEXT NOT NULL,
    default_share_bp  INTEGER NOT NULL CHECK (default_share_bp BETWEEN 0 AND 10000),
    active            BOOLEAN NOT NULL DEFAULT TRUE,
    updated_at        TIMESTAMP NOT NULL
);
INSERT INTO credit_costs (operation, credits_per_unit, unit, default_share_bp, active, updated_at) VALUES
    ('clustering',              5,  'batch of up to 50 keywords', 1500, TRUE, '2026-01-01 00:00:00+00:00'),
    ('idea_generation',         3,  'cluster',                    1000, TRUE, '2026-01-01 00:00:00+00:00'),
    ('content_generation',      20, 'article',                    4000, TRUE, '2026-01-01 00:00:00+00:00'),
    ('image_prompt_extraction', 2,  'article',                    500,  TRUE, '2026-01-01 00:00:00+00:00'),
    ('image_generation',        8,  'image',                      3000, TRUE, '2026-01-01 00:00:00+00:00');

-- One row per site; custom shares are basis points and must sum to 10000.
CREATE TABLE site_ai_budget_allocations (
    site_id                     BIGINT PRIMARY KEY REFERENCES sites(id) ON DELETE CASCADE,
    mode                        TEXT NOT NULL DEFAULT 'global' CHECK (mode IN ('global','custom','off')),
    clustering_bp               INTEGER NOT NULL DEFAULT 1500 CHECK (clustering_bp BETWEEN 0 AND 10000),
    idea_generation_bp          INTEGER NOT NULL DEFAULT 1000 CHECK (idea_generation_bp BETWEEN 0 AND 10000),
    content_generation_bp       INTEGER NOT NULL DEFAULT 4000 CHECK (content_generation_bp BETWEEN 0 AND 10000),
    image_prompt_extraction_bp  INTEGER NOT NULL DEFAULT 500 CHECK (image_prompt_extraction_bp BETWEEN 0 AND 10000),
    image_generation_bp         INTEGER NOT NULL DEFAULT 3000 CHECK (image_generation_bp BETWEEN 0 AND 10000),
    updated_at                  TIMESTAMP NOT NULL,
    CHECK (mode <> 'custom' OR clustering_bp + idea_generation_bp + content_generation_bp + image_prompt_extraction_bp + image_generation_bp = 10000)
);

CREATE TABLE credit_transactions (
    id               INTEGER PRIMARY KEY,
    account_id       BIGINT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    kind             TEXT NOT NULL CHECK (kind IN ('grant','charge','refund')),
    amount           BIGINT NOT NULL,
    balance_after    BIGINT NOT NULL CHECK (balance_after >= 0),
    operation        TEXT NOT NULL DEFAULT '',
    site_id          BIGINT,
    run_id           BIGINT,
    stage            INTEGER NOT NULL DEFAULT 0,
    item_id          BIGINT,
    idempotency_key  TEXT NOT NULL UNIQUE,
    -- A charge is a hold taken before an AI call; it is settled when the
    -- item's work commits, and refunded (a refund row) when it never does.
    settled          BOOLEAN NOT NULL DEFAULT FALSE,
    note             TEXT NOT NULL DEFAULT '',
    created_at       TIMESTAMP NOT NULL,
    CHECK ((kind = 'charge' AND amount < 0) OR (kind <> 'charge' AND amount >= 0))
);
CREATE INDEX credit_transactions_account_idx ON credit_transactions (account_id, id);
CREATE INDEX credit_transactions_run_idx ON credit_transactions (run_id);

CREATE TABLE publishing_settings (
    site_id                   BIGINT PRIMARY KEY REFERENCES sites(id) ON DELETE CASCADE,
    auto_approval_enabled     BOOLEAN NOT NULL DEFAULT TRUE,
    auto_publish_enabled      BOOLEAN NOT NULL DEFAULT TRUE,
    scheduling_mode           TEXT NOT NULL DEFAULT 'time_slots' CHECK (scheduling_mode IN ('time_slots','stagger','immediate')),
    publish_days              TEXT NOT NULL DEFAULT 'mon,tue,wed,thu,fri',
    publish_time_slots        TEXT NOT NULL DEFAULT '09:00,14:00,18:00',
    stagger_start_time        TEXT NOT NULL DEFAULT '09:00',
    stagger_end_time          TEXT NOT NULL DEFAULT '18:00',
    stagger_interval_minutes  INTEGER NOT NULL DEFAULT 15 CHECK (stagger_interval_minutes BETWEEN 1 AND 1440),
    daily_target              INTEGER NOT NULL DEFAULT 3 CHECK (daily_target >= 0),
    weekly_target             INTEGER NOT NULL DEFAULT 15 CHECK (weekly_target >= 0),
    monthly_target            INTEGER NOT NULL DEFAULT 50 CHECK (monthly_target >= 0),
    max_scheduled_queue       INTEGER NOT NULL DEFAULT 100 CHECK (max_scheduled_queue BETWEEN 1 AND 10000),
    target_kind               TEXT NOT NULL DEFAULT 'local' CHECK (target_kind IN ('local','webhook','wordpress')),
    webhook_url               TEXT NOT NULL DEFAULT '',
    webhook_secret_enc        TEXT NOT NULL DEFAULT '',
    wp_url                    TEXT NOT NULL DEFAULT '',
    wp_username               TEXT NOT NULL DEFAULT '',
    wp_app_password_enc       TEXT NOT NULL DEFAULT '',
    wp_categories             TEXT NOT NULL DEFAULT '',
    wp_tags                   TEXT NOT NULL DEFAULT '',
    updated_at                TIMESTAMP NOT NULL
);

-- +goose Down
DROP TABLE publishing_settings;
DROP TABLE credit_transactions;
DROP TABLE site_ai_budget_allocations;
DROP TABLE credit_costs;
DROP TABLE run_events;
DROP TABLE run_operation_spend;
DROP TABLE run_stage_results;
DROP TABLE automation_runs;
DROP TABLE automation_configs;
DROP TABLE images;
DROP TABLE image_prompts;
DROP TABLE content;
DROP TABLE tasks;
DROP TABLE ideas;
DROP TABLE keywords;
DROP TABLE clusters;
DROP TABLE sites;
DROP TABLE api_tokens;
DROP TABLE sessions;
DROP TABLE users;
DROP TABLE accounts;

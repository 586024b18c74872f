-- Jobs are rows: enqueued (deduplicated by key), claimed atomically by a worker, retried with
-- backoff, and left "dead" with their last error after the last attempt.
-- state: queued | running | failed (waiting to retry) | done | dead
create table jobs (
    id integer primary key autoincrement,
    kind text not null,
    payload text not null default '{}',
    dedup_key text,
    state text not null,
    attempts integer not null default 0,
    max_attempts integer not null,
    run_at integer not null,
    locked_by text,
    locked_until integer,
    last_error text,
    created_at integer not null,
    updated_at integer not null,
    finished_at integer
);
-- One waiting job per key; a job that is running does not stop the next change being queued.
create unique index jobs_dedup_waiting on jobs (dedup_key) where state in ('queued', 'failed');
create index jobs_claim on jobs (state, run_at);

-- The time slots the scheduler enqueued, one row each: several instances ticking together
-- create one job per slot.
create table job_slots (
    schedule text not null,
    slot integer not null,
    job_id integer,
    primary key (schedule, slot)
);

-- A shop on a marketplace: a farmer's own (farmer_id) or the office's shared one (null).
create table channel_accounts (
    id integer primary key autoincrement,
    channel text not null,
    mode text not null,
    name text not null,
    base_url text not null default '',
    credentials_sealed text,
    credentials_hint text,
    farmer_id integer references users (id),
    default_crops text not null default '',
    requests_per_minute integer not null default 60,
    rate_next_ms integer not null default 0,
    consecutive_failures integer not null default 0,
    paused_until integer,
    paused_reason text,
    probe_at integer,
    orders_cursor text,
    active integer not null default 1,
    created_at integer not null,
    updated_at integer not null
);
create index channel_accounts_farmer on channel_accounts (farmer_id);

-- One per listing x channel. state: not_published | queued | live | failed | needs_action | delisted.
-- wanted: the curator wants the listing on this channel (0 = take it down and keep it down).
create table channel_listings (
    id integer primary key autoincrement,
    listing_id integer not null references listings (id) on delete cascade,
    channel text not null,
    account_id integer not null references channel_accounts (id),
    state text not null,
    wanted integer not null default 1,
    sku text not null,
    external_id text,
    url text,
    pushed_hash text,
    pushed_price integer,
    pushed_stock integer,
    category_id integer,
    commission_percent real,
    last_error text,
    error_kind text,
    attempts integer not null default 0,
    action text,
    busy_by text,
    busy_until integer,
    created_at integer not null,
    updated_at integer not null
);
create unique index channel_listings_listing_channel on channel_listings (listing_id, channel);
create unique index channel_listings_sku on channel_listings (sku);
create index channel_listings_state on channel_listings (state, channel);

-- Orders as a marketplace reported them, one row per order whatever the number of fetches.
create table channel_orders (
    id integer primary key autoincrement,
    account_id integer not null references channel_accounts (id),
    external_id text not null,
    sku text,
    listing_id integer references listings (id),
    quantity real not null,
    unit_price_vnd integer not null,
    total_vnd integer not null,
    status text not null,
    placed_at integer not null,
    raw text not null,
    first_seen_at integer not null,
    updated_at integer not null
);
create unique index channel_orders_external on channel_orders (account_id, external_id);
create index channel_orders_listing on channel_orders (listing_id);

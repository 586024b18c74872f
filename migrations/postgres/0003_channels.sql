-- Jobs are rows: enqueued (deduplicated by key), claimed atomically by a worker, retried with
-- backoff, and left "dead" with their last error after the last attempt.
-- state: queued | running | failed (waiting to retry) | done | dead
create table jobs (
    id bigint generated always as identity primary key,
    kind text not null,
    payload text not null default '{}',
    dedup_key text,
    state text not null,
    attempts bigint not null default 0,
    max_attempts bigint not null,
    run_at bigint not null,
    locked_by text,
    locked_until bigint,
    last_error text,
    created_at bigint not null,
    updated_at bigint not null,
    finished_at bigint
);
-- One waiting job per key; a job that is running does not stop the next change being queued.
create unique index jobs_dedup_waiting on jobs (dedup_key) where state in ('queued', 'failed');
create index jobs_claim on jobs (state, run_at);

-- The time slots the scheduler enqueued, one row each: several instances ticking together
-- create one job per slot.
create table job_slots (
    schedule text not null,
    slot bigint not null,
    job_id bigint,
    primary key (schedule, slot)
);

-- A shop on a marketplace: a farmer's own (farmer_id) or the office's shared one (null).
create table channel_accounts (
    id bigint generated always as identity primary key,
    channel text not null,
    mode text not null,
    name text not null,
    base_url text not null default '',
    credentials_sealed text,
    credentials_hint text,
    farmer_id bigint references users (id),
    default_crops text not null default '',
    requests_per_minute bigint not null default 60,
    rate_next_ms bigint not null default 0,
    consecutive_failures bigint not null default 0,
    paused_until bigint,
    paused_reason text,
    probe_at bigint,
    orders_cursor text,
    active bigint not null default 1,
    created_at bigint not null,
    updated_at bigint not null
);
create index channel_accounts_farmer on channel_accounts (farmer_id);

-- One per listing x channel. state: not_published | queued | live | failed | needs_action | delisted.
-- wanted: the curator wants the listing on this channel (0 = take it down and keep it down).
create table channel_listings (
    id bigint generated always as identity primary key,
    listing_id bigint not null references listings (id) on delete cascade,
    channel text not null,
    account_id bigint not null references channel_accounts (id),
    state text not null,
    wanted bigint not null default 1,
    sku text not null,
    external_id text,
    url text,
    pushed_hash text,
    pushed_price bigint,
    pushed_stock bigint,
    category_id bigint,
    commission_percent double precision,
    last_error text,
    error_kind text,
    attempts bigint not null default 0,
    action text,
    busy_by text,
    busy_until bigint,
    created_at bigint not null,
    updated_at bigint not null
);
create unique index channel_listings_listing_channel on channel_listings (listing_id, channel);
create unique index channel_listings_sku on channel_listings (sku);
create index channel_listings_state on channel_listings (state, channel);

-- Orders as a marketplace reported them, one row per order whatever the number of fetches.
create table channel_orders (
    id bigint generated always as identity primary key,
    account_id bigint not null references channel_accounts (id),
    external_id text not null,
    sku text,
    listing_id bigint references listings (id),
    quantity double precision not null,
    unit_price_vnd bigint not null,
    total_vnd bigint not null,
    status text not null,
    placed_at bigint not null,
    raw text not null,
    first_seen_at bigint not null,
    updated_at bigint not null
);
create unique index channel_orders_external on channel_orders (account_id, external_id);
create index channel_orders_listing on channel_orders (listing_id);

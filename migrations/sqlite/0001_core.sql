create table users (
    id integer primary key autoincrement,
    role text not null,
    phone text unique,
    password_hash text,
    name text not null,
    commune text,
    legacy_commune text,
    village text not null default '',
    seller_kind text not null default 'household',
    crops text not null default '',
    certifications text not null default '[]',
    created_by integer references users (id),
    created_at integer not null
);
create index users_commune on users (commune);

create table helper_communes (
    user_id integer not null references users (id) on delete cascade,
    commune text not null,
    primary key (user_id, commune)
);

create table sessions (
    token_hash text primary key,
    user_id integer not null references users (id) on delete cascade,
    csrf text not null,
    created_at integer not null,
    expires_at integer not null
);
create index sessions_user on sessions (user_id);

create table login_failures (
    key text not null,
    at integer not null
);
create index login_failures_key_at on login_failures (key, at);

create table listings (
    id integer primary key autoincrement,
    farmer_id integer not null references users (id),
    status text not null,
    crop text not null,
    variety text not null,
    form text not null,
    grade text,
    title text not null,
    description text not null default '',
    quantity_kg real not null,
    price_vnd_per_kg integer not null,
    price_set_on text not null,
    available_from text not null,
    available_until text not null,
    certifications text not null default '[]',
    certification_codes text not null default ',',
    commune text,
    legacy_commune text,
    search_text text not null default '',
    rejection_reason text,
    submission_key text,
    created_by integer not null references users (id),
    created_at integer not null,
    updated_at integer not null,
    submitted_at integer
);
create unique index listings_submission on listings (farmer_id, submission_key);
create index listings_status_submitted on listings (status, submitted_at);
create index listings_farmer on listings (farmer_id);

create table listing_changes (
    id integer primary key autoincrement,
    listing_id integer not null references listings (id) on delete cascade,
    actor_id integer references users (id),
    at integer not null,
    field text not null,
    old_value text,
    new_value text,
    reason text
);
create index listing_changes_listing on listing_changes (listing_id, id);

create table photos (
    id integer primary key autoincrement,
    listing_id integer not null references listings (id) on delete cascade,
    hash text not null,
    width integer not null,
    height integer not null,
    bytes integer not null,
    created_at integer not null
);
create unique index photos_listing_hash on photos (listing_id, hash);
create index photos_hash on photos (hash);

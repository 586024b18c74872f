create table users (
    id bigint generated always as identity primary key,
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
    created_by bigint references users (id),
    created_at bigint not null
);
create index users_commune on users (commune);

create table helper_communes (
    user_id bigint not null references users (id) on delete cascade,
    commune text not null,
    primary key (user_id, commune)
);

create table sessions (
    token_hash text primary key,
    user_id bigint not null references users (id) on delete cascade,
    csrf text not null,
    created_at bigint not null,
    expires_at bigint not null
);
create index sessions_user on sessions (user_id);

create table login_failures (
    key text not null,
    at bigint not null
);
create index login_failures_key_at on login_failures (key, at);

create table listings (
    id bigint generated always as identity primary key,
    farmer_id bigint not null references users (id),
    status text not null,
    crop text not null,
    variety text not null,
    form text not null,
    grade text,
    title text not null,
    description text not null default '',
    quantity_kg double precision not null,
    price_vnd_per_kg bigint not null,
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
    created_by bigint not null references users (id),
    created_at bigint not null,
    updated_at bigint not null,
    submitted_at bigint
);
create unique index listings_submission on listings (farmer_id, submission_key);
create index listings_status_submitted on listings (status, submitted_at);
create index listings_farmer on listings (farmer_id);

create table listing_changes (
    id bigint generated always as identity primary key,
    listing_id bigint not null references listings (id) on delete cascade,
    actor_id bigint references users (id),
    at bigint not null,
    field text not null,
    old_value text,
    new_value text,
    reason text
);
create index listing_changes_listing on listing_changes (listing_id, id);

create table photos (
    id bigint generated always as identity primary key,
    listing_id bigint not null references listings (id) on delete cascade,
    hash text not null,
    width bigint not null,
    height bigint not null,
    bytes bigint not null,
    created_at bigint not null
);
create unique index photos_listing_hash on photos (listing_id, hash);
create index photos_hash on photos (hash);

-- Certifications of a listing, one row each, so the catalogue can filter and count them with
-- their validity (an expired OCOP rating must stop showing).
create table listing_certifications (
    listing_id integer not null references listings (id) on delete cascade,
    code text not null,
    stars integer,
    valid_until text,
    primary key (listing_id, code)
);
create index listing_certifications_code on listing_certifications (code, listing_id);

-- Listings whose catalogue entry must be refreshed; written in the same transaction as the
-- change, drained by the search indexer.
create table search_outbox (
    id integer primary key autoincrement,
    listing_id integer not null,
    enqueued_at integer not null
);
create index search_outbox_listing on search_outbox (listing_id);

-- Certifications of a listing, one row each, so the catalogue can filter and count them with
-- their validity (an expired OCOP rating must stop showing).
create table listing_certifications (
    listing_id bigint not null references listings (id) on delete cascade,
    code text not null,
    stars bigint,
    valid_until text,
    primary key (listing_id, code)
);
create index listing_certifications_code on listing_certifications (code, listing_id);

-- Listings whose catalogue entry must be refreshed; written in the same transaction as the
-- change, drained by the search indexer.
create table search_outbox (
    id bigint generated always as identity primary key,
    listing_id bigint not null,
    enqueued_at bigint not null
);
create index search_outbox_listing on search_outbox (listing_id);

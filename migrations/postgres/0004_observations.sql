-- What a marketplace's public page showed for a channel listing, one row per change seen.
-- A field the page did not show is null (unknown), never zero.
create table channel_observations (
    id bigint generated always as identity primary key,
    channel_listing_id bigint not null references channel_listings (id) on delete cascade,
    seen_at bigint not null,
    url text not null,
    title text,
    price_vnd bigint,
    list_price_vnd bigint,
    available bigint,
    rating double precision,
    review_count bigint,
    sold_count bigint,
    seller text,
    -- Where the values came from: structured data, visible markup, or both.
    source text not null,
    -- A digest of the values read: an unchanged page adds no row.
    digest text not null
);
create index channel_observations_listing on channel_observations (channel_listing_id, seen_at);

-- When the watcher last read the page, and what it made of it (the title names the pack the
-- price is for, so a price can be compared per kg with the listing's).
alter table channel_listings add column checked_at bigint;
alter table channel_listings add column observed_price bigint;
alter table channel_listings add column observed_sold bigint;
alter table channel_listings add column observed_title text;

-- The sales ledger: one row per sale, whatever brought it in. channel: postmart | voso | direct;
-- source: order | observation | manual. (source, external_ref) is unique, so importing the same
-- orders or observations again, or a form submitted twice, adds nothing.
-- Crop and communes are copied from the listing and farmer at the time of the sale: reports
-- filter on them without joins, and a farmer who moves does not move last season's sales.
-- sale_date is the ISO day in Vietnam; sale_week the ISO date of that week's Monday.
create table sales (
    id bigint generated always as identity primary key,
    listing_id bigint references listings (id),
    farmer_id bigint not null references users (id),
    channel text not null,
    source text not null,
    external_ref text not null,
    quantity_kg double precision not null,
    unit_price_vnd bigint not null,
    total_vnd bigint not null,
    sale_date text not null,
    sale_week text not null,
    estimated bigint not null default 0,
    crop text not null,
    commune text not null default '',
    legacy_commune text not null default '',
    buyer_note text not null default '',
    recorded_by bigint references users (id),
    created_at bigint not null
);
create unique index sales_source_ref on sales (source, external_ref);
create index sales_farmer_date on sales (farmer_id, sale_date);
create index sales_farmer_channel on sales (farmer_id, channel);
create index sales_listing on sales (listing_id);
-- Period filters and ledger pages.
create index sales_date on sales (sale_date, id);

-- Daily totals per channel, crop and commune, kept in the same transaction as every sale: the
-- dashboard's sums read thousands of these rather than a million sales.
create table sales_daily (
    sale_date text not null,
    sale_week text not null,
    channel text not null,
    crop text not null,
    commune text not null,
    legacy_commune text not null,
    sales bigint not null,
    quantity_kg double precision not null,
    total_vnd bigint not null,
    primary key (sale_date, channel, crop, commune, legacy_commune)
);

-- How many sales of each week went at each price, per channel, crop and commune: the weekly
-- median price per kg is found from these counts (prices cluster on round figures, so there
-- are far fewer rows than sales).
create table sales_weekly_prices (
    sale_week text not null,
    channel text not null,
    crop text not null,
    commune text not null,
    legacy_commune text not null,
    unit_price_vnd bigint not null,
    sales bigint not null,
    primary key (sale_week, crop, channel, commune, legacy_commune, unit_price_vnd)
);

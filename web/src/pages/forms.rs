//! The listing and profile forms, shared by farmers, helpers and curators.

use super::Pairs;
use super::layout::{csrf_field, error_summary, field_error, invalid};
use crate::actions::ProfileInput;
use crate::i18n::Lang;
use maud::{Markup, html};
use nongsan_domain::FieldErrors;
use nongsan_domain::account::SellerKind;
use nongsan_domain::listing::{RawCertification, RawListing};
use nongsan_domain::quantity::Unit;
use nongsan_domain::reference::reference;

/// Reads a listing form.
pub fn raw_listing(form: &Pairs) -> RawListing {
    let data = reference();
    let chosen = form.all("cert");
    let certifications = data
        .certifications
        .iter()
        .filter(|c| chosen.contains(&c.key))
        .map(|c| RawCertification {
            code: c.key.clone(),
            stars: (!c.stars.is_empty()).then(|| form.get(&format!("stars_{}", c.key))),
            valid_until: Some(form.get(&format!("until_{}", c.key))).filter(|s| !s.trim().is_empty()),
        })
        .chain(
            chosen.iter().filter(|k| data.certification(k).is_none()).map(|k| RawCertification { code: k.clone(), ..Default::default() }),
        )
        .collect();
    RawListing {
        crop: form.get("crop"),
        variety: form.get("variety"),
        form: form.get("form"),
        grade: form.get("grade"),
        title: form.get("title"),
        description: form.get("description"),
        quantity: form.get("quantity"),
        unit: form.get("unit"),
        price_vnd_per_kg: form.get("price_vnd_per_kg"),
        available_from: form.get("available_from"),
        available_until: form.get("available_until"),
        certifications,
    }
}

fn unit_label(lang: Lang, unit: Unit) -> &'static str {
    lang.t(&format!("unit.{}", unit.as_str()))
}

/// Shrinks photos on the phone before they cross a slow link: longest side 1600 px, JPEG
/// quality 0.8, upright (the browser applies EXIF orientation) and without metadata (a canvas
/// keeps none). Shows a preview and the upload's progress. Without JavaScript, or where a
/// browser lacks what it needs, the form posts the photos as they are.
pub const SHRINK_JS: &str = r#"(function(){var i=document.currentScript.parentNode.querySelector('input[data-shrink]');if(!i||!window.createImageBitmap||!window.FormData)return;
var f=i.form,pv=document.getElementById('photo-preview'),pg=document.getElementById('photo-progress');
i.addEventListener('change',function(){pv.textContent='';Array.prototype.forEach.call(i.files,function(x){var m=document.createElement('img');m.width=80;m.height=80;m.style.objectFit='cover';m.src=URL.createObjectURL(x);pv.appendChild(m)})});
function shrink(file){return createImageBitmap(file,{imageOrientation:'from-image'}).then(function(b){var s=Math.min(1,1600/Math.max(b.width,b.height)),c=document.createElement('canvas');c.width=Math.round(b.width*s);c.height=Math.round(b.height*s);c.getContext('2d').drawImage(b,0,0,c.width,c.height);
return new Promise(function(r){c.toBlob(function(x){r(x&&(s<1||x.size<file.size)?x:file)},'image/jpeg',0.8)})}).catch(function(){return file})}
f.addEventListener('submit',function(e){if(!i.files.length)return;e.preventDefault();var d=new FormData(f),sub=e.submitter;d.delete('photo');if(sub&&sub.name)d.set(sub.name,sub.value);
Promise.all(Array.prototype.map.call(i.files,shrink)).then(function(bs){bs.forEach(function(b,k){d.append('photo',b,(i.files[k].name||'photo').replace(/\.\w+$/,'')+'.jpg')});
var x=new XMLHttpRequest();x.open('POST',f.action);pg.hidden=false;x.upload.onprogress=function(p){if(p.lengthComputable)pg.value=100*p.loaded/p.total};
x.onload=function(){if(x.status<400&&x.responseURL){location.href=x.responseURL}else{document.open();document.write(x.responseText);document.close()}};x.onerror=function(){f.submit()};x.send(d)})})})();"#;

/// The listing form. `photos` adds the photo input (new listings).
pub struct ListingForm<'a> {
    pub lang: Lang,
    pub action: &'a str,
    pub csrf: &'a str,
    pub raw: &'a RawListing,
    pub errors: &'a FieldErrors,
    pub submission_key: Option<&'a str>,
    pub photos: bool,
    /// Curators must say why they change a farmer's listing.
    pub reason: Option<&'a str>,
    pub submit_label: &'a str,
    pub draft_button: bool,
}

pub fn listing_form(f: &ListingForm<'_>) -> Markup {
    let (lang, raw, errors) = (f.lang, f.raw, f.errors);
    let data = reference();
    let en = lang.is_en();
    let enctype = if f.photos { "multipart/form-data" } else { "application/x-www-form-urlencoded" };
    let cert = |key: &str| raw.certifications.iter().find(|c| c.code == key);
    html! {
        form.card method="post" action=(f.action) enctype=(enctype) novalidate {
            (csrf_field(f.csrf))
            @if let Some(key) = f.submission_key { input type="hidden" name="submission_key" value=(key); }
            (error_summary(lang, errors))
            label for="crop" { (lang.t("listing.crop")) }
            select #crop name="crop" required aria-invalid=[invalid(errors, "crop")] {
                option value="" { (lang.t("form.choose")) }
                @for crop in &data.crops { option value=(crop.key) selected[raw.crop == crop.key] { (crop.name(en)) } }
            }
            (field_error(lang, errors, "crop"))
            div.row {
                div {
                    label for="variety" { (lang.t("listing.variety")) }
                    select #variety name="variety" required aria-invalid=[invalid(errors, "variety")] {
                        option value="" { (lang.t("form.choose")) }
                        @for crop in &data.crops { optgroup label=(crop.name(en)) {
                            @for v in &crop.varieties { option value=(v.key) selected[raw.crop == crop.key && raw.variety == v.key] { (v.name(en)) } }
                        } }
                    }
                    (field_error(lang, errors, "variety"))
                }
                div {
                    label for="form" { (lang.t("listing.form")) }
                    select #form name="form" required aria-invalid=[invalid(errors, "form")] {
                        option value="" { (lang.t("form.choose")) }
                        @for crop in &data.crops { optgroup label=(crop.name(en)) {
                            @for v in &crop.forms { option value=(v.key) selected[raw.crop == crop.key && raw.form == v.key] { (v.name(en)) } }
                        } }
                    }
                    (field_error(lang, errors, "form"))
                }
                div {
                    label for="grade" { (lang.t("listing.grade")) span.hint { (lang.t("form.optional")) } }
                    select #grade name="grade" aria-invalid=[invalid(errors, "grade")] {
                        option value="" { "—" }
                        @for crop in &data.crops { optgroup label=(crop.name(en)) {
                            @for v in &crop.grades { option value=(v.key) selected[raw.crop == crop.key && raw.grade == v.key] { (v.name(en)) } }
                        } }
                    }
                    (field_error(lang, errors, "grade"))
                }
            }
            label for="title" { (lang.t("listing.title")) span.hint { (lang.t("listing.title_hint")) } }
            input #title type="text" name="title" maxlength="120" value=(raw.title) aria-invalid=[invalid(errors, "title")];
            (field_error(lang, errors, "title"))
            div.row {
                div {
                    label for="quantity" { (lang.t("listing.quantity")) }
                    input #quantity type="text" inputmode="decimal" name="quantity" value=(raw.quantity) required aria-invalid=[invalid(errors, "quantity")];
                    (field_error(lang, errors, "quantity"))
                }
                div {
                    label for="unit" { (lang.t("listing.unit")) }
                    select #unit name="unit" aria-invalid=[invalid(errors, "unit")] {
                        @for unit in Unit::ALL { option value=(unit.as_str()) selected[Unit::parse(&raw.unit).unwrap_or_default() == unit] { (unit_label(lang, unit)) } }
                    }
                    (field_error(lang, errors, "unit"))
                }
                div {
                    label for="price" { (lang.t("listing.price")) }
                    input #price type="text" inputmode="numeric" name="price_vnd_per_kg" value=(raw.price_vnd_per_kg) placeholder="95.000" required aria-invalid=[invalid(errors, "price_vnd_per_kg")];
                    (field_error(lang, errors, "price_vnd_per_kg"))
                }
            }
            div.row {
                div {
                    label for="available_from" { (lang.t("listing.available_from")) }
                    input #available_from type="date" name="available_from" value=(raw.available_from) required aria-invalid=[invalid(errors, "available_from")];
                    (field_error(lang, errors, "available_from"))
                }
                div {
                    label for="available_until" { (lang.t("listing.available_until")) }
                    input #available_until type="date" name="available_until" value=(raw.available_until) required aria-invalid=[invalid(errors, "available_until")];
                    (field_error(lang, errors, "available_until"))
                }
            }
            fieldset.checks {
                legend { (lang.t("listing.certifications")) }
                @for c in &data.certifications {
                    label { input type="checkbox" name="cert" value=(c.key) checked[cert(&c.key).is_some()]; (c.name(en)) }
                    @if !c.stars.is_empty() {
                        label { (lang.t("listing.stars")) " "
                            select name={ "stars_" (c.key) } {
                                option value="" { "—" }
                                @for s in &c.stars { option value=(s) selected[cert(&c.key).and_then(|x| x.stars.as_deref()) == Some(s.to_string().as_str())] { (s) "★" } }
                            }
                        }
                    }
                    @if c.valid_months.is_some() {
                        label { (lang.t("listing.valid_until")) " "
                            input type="date" name={ "until_" (c.key) } value=(cert(&c.key).and_then(|x| x.valid_until.clone()).unwrap_or_default());
                        }
                    }
                }
            }
            (field_error(lang, errors, "certifications"))
            label for="description" { (lang.t("listing.description")) span.hint { (lang.t("form.optional")) } }
            textarea #description name="description" maxlength="2000" aria-invalid=[invalid(errors, "description")] { (raw.description) }
            (field_error(lang, errors, "description"))
            @if f.photos {
                label for="photo" { (lang.t("listing.photos")) span.hint { (lang.t("listing.photos_hint")) } }
                input #photo type="file" name="photo" accept="image/jpeg,image/png,image/webp" multiple data-shrink;
                div.photos #photo-preview {}
                progress #photo-progress hidden max="100" value="0" {}
                (field_error(lang, errors, "photo"))
                script { (maud::PreEscaped(SHRINK_JS)) }
            }
            @if let Some(reason) = f.reason {
                label for="reason" { (lang.t("review.edit_reason")) }
                input #reason type="text" name="reason" value=(reason) required aria-invalid=[invalid(errors, "reason")];
                (field_error(lang, errors, "reason"))
            }
            div.actions {
                button type="submit" name="intent" value="submit" { (f.submit_label) }
                @if f.draft_button { button.secondary type="submit" name="intent" value="draft" { (lang.t("listing.save_draft")) } }
            }
        }
    }
}

/// Reads a profile form.
pub fn profile_input(form: &Pairs) -> ProfileInput {
    ProfileInput {
        name: form.get("name"),
        commune: form.get("commune"),
        legacy_commune: form.get("legacy_commune"),
        village: form.get("village"),
        seller_kind: form.get("seller_kind"),
        crops: form.all("crops"),
        certifications: form.all("certifications"),
    }
}

/// The fields of a farmer's profile; `communes` limits the current communes offered.
pub fn profile_fields(lang: Lang, input: &ProfileInput, errors: &FieldErrors, communes: Option<&[String]>) -> Markup {
    let data = reference();
    let en = lang.is_en();
    html! {
        label for="name" { (lang.t("profile.name")) }
        input #name type="text" name="name" value=(input.name) maxlength="80" required autocomplete="name" aria-invalid=[invalid(errors, "name")];
        (field_error(lang, errors, "name"))
        div.row {
            div {
                label for="commune" { (lang.t("profile.commune")) }
                select #commune name="commune" required aria-invalid=[invalid(errors, "commune")] {
                    option value="" { (lang.t("form.choose")) }
                    @for c in &data.places.current {
                        @if communes.is_none_or(|list| list.contains(&c.key)) {
                            option value=(c.key) selected[input.commune == c.key] { "xã " (c.name) }
                        }
                    }
                }
                (field_error(lang, errors, "commune"))
            }
            div {
                label for="legacy_commune" { (lang.t("profile.legacy_commune")) span.hint { (lang.t("profile.legacy_hint")) } }
                select #legacy_commune name="legacy_commune" aria-invalid=[invalid(errors, "legacy_commune")] {
                    option value="" { "—" }
                    @for c in &data.places.legacy { option value=(c.key) selected[input.legacy_commune == c.key] { (c.kind.as_deref().unwrap_or("xã")) " " (c.name) } }
                }
                (field_error(lang, errors, "legacy_commune"))
            }
        }
        label for="village" { (lang.t("profile.village")) span.hint { (lang.t("form.optional")) } }
        input #village type="text" name="village" value=(input.village) maxlength="80" aria-invalid=[invalid(errors, "village")];
        (field_error(lang, errors, "village"))
        label for="seller_kind" { (lang.t("profile.seller_kind")) }
        select #seller_kind name="seller_kind" aria-invalid=[invalid(errors, "seller_kind")] {
            @for k in SellerKind::ALL { option value=(k.as_str()) selected[input.seller_kind == k.as_str()] { (lang.t(&format!("seller_kind.{}", k.as_str()))) } }
        }
        (field_error(lang, errors, "seller_kind"))
        fieldset.checks {
            legend { (lang.t("profile.crops")) }
            @for crop in &data.crops { label { input type="checkbox" name="crops" value=(crop.key) checked[input.crops.contains(&crop.key)]; (crop.name(en)) } }
        }
        (field_error(lang, errors, "crops"))
        fieldset.checks {
            legend { (lang.t("profile.certifications")) }
            @for c in &data.certifications { label { input type="checkbox" name="certifications" value=(c.key) checked[input.certifications.contains(&c.key)]; (c.name(en)) } }
        }
        (field_error(lang, errors, "certifications"))
    }
}

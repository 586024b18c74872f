//! Reference data: crops, places and certifications, read from the TOML files in `data/`.
//!
//! The data is compiled into the binary and parsed once; a broken file fails the first test
//! that touches it, never a farmer's request.

use serde::Deserialize;
use std::sync::OnceLock;

/// A named choice with a stable key: a variety, a form, a grade.
#[derive(Debug, Clone, Deserialize)]
pub struct Choice {
    pub key: String,
    pub name_vi: String,
    pub name_en: String,
    /// Other names buyers search for.
    #[serde(default)]
    pub synonyms: Vec<String>,
}

impl Choice {
    pub fn name(&self, english: bool) -> &str {
        if english { &self.name_en } else { &self.name_vi }
    }
}

#[derive(Debug, Clone, Deserialize)]
pub struct Crop {
    pub key: String,
    pub name_vi: String,
    pub name_en: String,
    pub synonyms: Vec<String>,
    /// Months (1–12) of the usual harvest, for default availability windows.
    pub harvest_months: Vec<u8>,
    pub varieties: Vec<Choice>,
    pub forms: Vec<Choice>,
    pub grades: Vec<Choice>,
}

impl Crop {
    pub fn name(&self, english: bool) -> &str {
        if english { &self.name_en } else { &self.name_vi }
    }
    pub fn variety(&self, key: &str) -> Option<&Choice> {
        self.varieties.iter().find(|c| c.key == key)
    }
    pub fn form(&self, key: &str) -> Option<&Choice> {
        self.forms.iter().find(|c| c.key == key)
    }
    pub fn grade(&self, key: &str) -> Option<&Choice> {
        self.grades.iter().find(|c| c.key == key)
    }
}

#[derive(Debug, Clone, Deserialize)]
pub struct Certification {
    pub key: String,
    pub name_vi: String,
    pub name_en: String,
    /// Star ratings the scheme awards (OCOP: 3–5); empty when it has none.
    #[serde(default)]
    pub stars: Vec<u8>,
    /// Months a certificate stays valid after it is granted, when it expires at all.
    pub valid_months: Option<u32>,
    /// Crops the mark applies to; empty means any crop.
    #[serde(default)]
    pub crops: Vec<String>,
}

impl Certification {
    pub fn name(&self, english: bool) -> &str {
        if english { &self.name_en } else { &self.name_vi }
    }
}

/// A commune, current or legacy.
#[derive(Debug, Clone, Deserialize)]
pub struct Commune {
    pub key: String,
    pub name: String,
    /// "xã" or "thị trấn" for legacy units.
    pub kind: Option<String>,
    /// The General Statistics Office code, where known.
    pub code: Option<u32>,
    /// For a legacy unit: the current commune it went into, where known.
    pub current: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct District {
    pub key: String,
    pub name: String,
    pub kind: String,
    pub code: u32,
}

#[derive(Debug, Clone, Deserialize)]
pub struct Places {
    pub province: String,
    pub legacy_province: String,
    pub legacy_district: District,
    pub current: Vec<Commune>,
    pub legacy: Vec<Commune>,
}

impl Places {
    pub fn current(&self, key: &str) -> Option<&Commune> {
        self.current.iter().find(|c| c.key == key)
    }
    pub fn legacy(&self, key: &str) -> Option<&Commune> {
        self.legacy.iter().find(|c| c.key == key)
    }
    /// "xã Đinh Lạc, huyện Di Linh" for a legacy unit.
    pub fn legacy_label(&self, key: &str) -> Option<String> {
        let unit = self.legacy(key)?;
        let district = &self.legacy_district;
        Some(format!("{} {}, {} {}", unit.kind.as_deref().unwrap_or("xã"), unit.name, district.kind, district.name))
    }
}

/// All reference data.
#[derive(Debug)]
pub struct Reference {
    pub crops: Vec<Crop>,
    pub certifications: Vec<Certification>,
    pub places: Places,
}

#[derive(Deserialize)]
struct CropsFile {
    crop: Vec<Crop>,
}

#[derive(Deserialize)]
struct CertificationsFile {
    certification: Vec<Certification>,
}

impl Reference {
    pub fn crop(&self, key: &str) -> Option<&Crop> {
        self.crops.iter().find(|c| c.key == key)
    }
    pub fn certification(&self, key: &str) -> Option<&Certification> {
        self.certifications.iter().find(|c| c.key == key)
    }

    fn load() -> Reference {
        let crops: CropsFile = toml::from_str(include_str!("../data/crops.toml")).expect("data/crops.toml");
        let certifications: CertificationsFile =
            toml::from_str(include_str!("../data/certifications.toml")).expect("data/certifications.toml");
        let places: Places = toml::from_str(include_str!("../data/places.toml")).expect("data/places.toml");
        Reference { crops: crops.crop, certifications: certifications.certification, places }
    }
}

/// The reference data, parsed on first use.
pub fn reference() -> &'static Reference {
    static DATA: OnceLock<Reference> = OnceLock::new();
    DATA.get_or_init(Reference::load)
}

#[cfg(test)]
mod tests {
    use super::reference;
    use std::collections::HashSet;

    #[test]
    fn data_files_parse_with_unique_keys() {
        let data = reference();
        assert_eq!(data.crops.len(), 3);
        for crop in &data.crops {
            assert!(!crop.varieties.is_empty() && !crop.forms.is_empty(), "{}", crop.key);
            let keys: HashSet<_> = crop.varieties.iter().map(|v| &v.key).collect();
            assert_eq!(keys.len(), crop.varieties.len(), "{}", crop.key);
        }
        assert_eq!(data.places.legacy.len(), 19);
        assert_eq!(data.places.current.len(), 7);
        assert_eq!(data.places.legacy("dinh-lac").unwrap().code, Some(25018));
        assert_eq!(data.places.legacy_label("dinh-lac").unwrap(), "xã Đinh Lạc, huyện Di Linh");
        assert_eq!(data.certification("ocop").unwrap().valid_months, Some(36));
    }
}

//! A minimal ZIP writer for the listing bundles helpers download: stored entries only (the
//! photos are JPEG already, the text is a few hundred bytes), CRC-32 per entry, UTF-8 names.
//!
//! No ZIP64: a bundle stays far below 4 GiB and 65,535 entries, and [`Zip::add`] refuses
//! anything that would not.

/// Why an entry could not be added.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ZipError {
    #[error("the archive would need ZIP64 (too many entries or too large)")]
    TooLarge,
    #[error("an entry name must be 1 to 65,535 bytes")]
    BadName,
}

/// Bit 11 of the general purpose flags: names are UTF-8.
const UTF8_NAMES: u16 = 1 << 11;
/// 2.0: the version a reader needs for stored entries in folders.
const VERSION: u16 = 20;

struct Entry {
    name: String,
    crc: u32,
    size: u32,
    offset: u32,
}

/// An archive being written in memory.
pub struct Zip {
    out: Vec<u8>,
    entries: Vec<Entry>,
    dos_time: u16,
    dos_date: u16,
}

fn put16(out: &mut Vec<u8>, v: u16) {
    out.extend_from_slice(&v.to_le_bytes());
}

fn put32(out: &mut Vec<u8>, v: u32) {
    out.extend_from_slice(&v.to_le_bytes());
}

impl Zip {
    /// An empty archive whose entries carry `local` (a wall-clock time) as their date.
    pub fn new(local: time::PrimitiveDateTime) -> Zip {
        // DOS dates start in 1980 and store seconds halved.
        let year = (local.year().clamp(1980, 2107) - 1980) as u16;
        let dos_date = (year << 9) | ((local.month() as u16) << 5) | u16::from(local.day());
        let dos_time = (u16::from(local.hour()) << 11) | (u16::from(local.minute()) << 5) | u16::from(local.second() / 2);
        Zip { out: Vec::new(), entries: Vec::new(), dos_time, dos_date }
    }

    /// Appends a stored (uncompressed) entry.
    pub fn add(&mut self, name: &str, data: &[u8]) -> Result<(), ZipError> {
        if name.is_empty() || name.len() > usize::from(u16::MAX) {
            return Err(ZipError::BadName);
        }
        let size = u32::try_from(data.len()).map_err(|_| ZipError::TooLarge)?;
        let offset = u32::try_from(self.out.len()).map_err(|_| ZipError::TooLarge)?;
        let central: usize = self.entries.iter().map(|e| 46 + e.name.len()).sum::<usize>() + 46 + name.len();
        let total = self.out.len() + 30 + name.len() + data.len() + central + 22;
        if self.entries.len() + 1 >= usize::from(u16::MAX) || u32::try_from(total).is_err() {
            return Err(ZipError::TooLarge);
        }
        let crc = crc32fast::hash(data);
        let out = &mut self.out;
        put32(out, 0x0403_4b50);
        put16(out, VERSION);
        put16(out, UTF8_NAMES);
        put16(out, 0); // stored
        put16(out, self.dos_time);
        put16(out, self.dos_date);
        put32(out, crc);
        put32(out, size);
        put32(out, size);
        put16(out, name.len() as u16);
        put16(out, 0); // no extra field
        out.extend_from_slice(name.as_bytes());
        out.extend_from_slice(data);
        self.entries.push(Entry { name: name.to_owned(), crc, size, offset });
        Ok(())
    }

    /// The archive's bytes: the entries, then the central directory.
    pub fn finish(mut self) -> Vec<u8> {
        let start = self.out.len() as u32;
        for e in &self.entries {
            let out = &mut self.out;
            put32(out, 0x0201_4b50);
            put16(out, VERSION); // made by: MS-DOS attributes, 2.0
            put16(out, VERSION);
            put16(out, UTF8_NAMES);
            put16(out, 0);
            put16(out, self.dos_time);
            put16(out, self.dos_date);
            put32(out, e.crc);
            put32(out, e.size);
            put32(out, e.size);
            put16(out, e.name.len() as u16);
            put16(out, 0); // extra
            put16(out, 0); // comment
            put16(out, 0); // disk
            put16(out, 0); // internal attributes
            put32(out, 0); // external attributes
            put32(out, e.offset);
            out.extend_from_slice(e.name.as_bytes());
        }
        let size = self.out.len() as u32 - start;
        let count = self.entries.len() as u16;
        let out = &mut self.out;
        put32(out, 0x0605_4b50);
        put16(out, 0);
        put16(out, 0);
        put16(out, count);
        put16(out, count);
        put32(out, size);
        put32(out, start);
        put16(out, 0); // comment
        self.out
    }
}

#[cfg(test)]
mod tests {
    use super::Zip;
    use time::macros::datetime;

    #[test]
    fn python_reads_the_archive_names_contents_and_dates() {
        let mut zip = Zip::new(datetime!(2026-03-14 09:26:54));
        let text = "\u{feff}Sầu riêng Ri6 Di Linh – 1 kg\r\n";
        zip.add("notes.txt", text.as_bytes()).unwrap();
        let photo: Vec<u8> = (0..70_000u32).map(|i| (i * 31 % 251) as u8).collect();
        zip.add("ảnh-1.jpg", &photo).unwrap();
        zip.add("empty.txt", b"").unwrap();
        let bytes = zip.finish();

        let dir = std::env::temp_dir().join(format!("nongsan-zip-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("bundle.zip");
        std::fs::write(&path, &bytes).unwrap();
        let script = r#"
import sys, zipfile, hashlib
z = zipfile.ZipFile(sys.argv[1])
assert z.testzip() is None, "bad CRC"
for i in z.infolist():
    assert i.compress_type == zipfile.ZIP_STORED
    assert i.flag_bits & 0x800
    print(i.filename, i.file_size, hashlib.sha256(z.read(i)).hexdigest(), "%04d-%02d-%02dT%02d:%02d:%02d" % i.date_time)
print(z.read("notes.txt").decode("utf-8-sig").strip())
"#;
        let run = std::process::Command::new("python3").arg("-c").arg(script).arg(&path).output().expect("python3 is installed");
        let _ = std::fs::remove_dir_all(&dir);
        let stdout = String::from_utf8_lossy(&run.stdout);
        assert!(run.status.success(), "python could not read the zip: {}", String::from_utf8_lossy(&run.stderr));
        let sha = |b: &[u8]| {
            use sha2::Digest;
            sha2::Sha256::digest(b).iter().map(|x| format!("{x:02x}")).collect::<String>()
        };
        let lines: Vec<&str> = stdout.lines().collect();
        assert_eq!(lines[0], format!("notes.txt {} {} 2026-03-14T09:26:54", text.len(), sha(text.as_bytes())));
        assert_eq!(lines[1], format!("ảnh-1.jpg 70000 {} 2026-03-14T09:26:54", sha(&photo)));
        assert_eq!(lines[2], format!("empty.txt 0 {} 2026-03-14T09:26:54", sha(b"")));
        assert_eq!(lines[3], "Sầu riêng Ri6 Di Linh – 1 kg");
    }

    #[test]
    fn refuses_an_empty_name() {
        let mut zip = Zip::new(datetime!(2026-01-01 0:00));
        assert_eq!(zip.add("", b"x"), Err(super::ZipError::BadName));
    }
}

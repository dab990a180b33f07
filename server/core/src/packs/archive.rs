//! Unpacking an uploaded, zipped course pack safely.
//!
//! Limits are enforced while reading, never after: at most [`MAX_ZIP_BYTES`] of zip, at most
//! [`MAX_ENTRIES`] entries, at most [`MAX_UNPACKED_BYTES`] unpacked (reading stops past it), and
//! no entry may expand more than [`MAX_RATIO`] times. Only plain files and folders with ASCII
//! names inside the pack are accepted: no absolute paths, `..`, backslashes, symbolic links or
//! device files, and no two names that differ only by case. Nested archives are never opened.

use std::collections::HashSet;
use std::io::{Cursor, Read};
use std::path::{Component, Path, PathBuf};

use super::{Lang, ProblemKind, MEDIA_TYPES};

pub const MAX_ZIP_BYTES: usize = 50 * 1024 * 1024;
pub const MAX_ENTRIES: usize = 2_000;
pub const MAX_UNPACKED_BYTES: u64 = 200 * 1024 * 1024;
pub const MAX_RATIO: u64 = 100;

/// Why an archive was refused. Told in words by [`ArchiveError::problem`] (in Chinese or
/// English); `Display` is the English.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ArchiveError {
    TooLarge(usize),
    /// The zip library's reason, e.g. "could not find EOCD".
    NotZip(String),
    TooManyEntries(usize),
    UnpackedTooLarge,
    Bomb(String),
    UnsafePath(String),
    Symlink(String),
    SpecialFile(String),
    NonAsciiName(String),
    DuplicateName(String),
    UnknownType(String),
    NoCourse,
    Io(String),
}

impl ArchiveError {
    /// The refusal as a checker problem, to be told in the page's language.
    pub fn problem(&self) -> ProblemKind {
        match self {
            ArchiveError::TooLarge(bytes) => ProblemKind::ZipTooLarge { bytes: *bytes },
            ArchiveError::NotZip(detail) => ProblemKind::NotZip {
                detail: detail.clone(),
            },
            ArchiveError::TooManyEntries(entries) => {
                ProblemKind::TooManyEntries { entries: *entries }
            }
            ArchiveError::UnpackedTooLarge => ProblemKind::UnpackedTooLarge,
            ArchiveError::Bomb(name) => ProblemKind::ZipBomb {
                entry: name.clone(),
            },
            ArchiveError::UnsafePath(name) => ProblemKind::UnsafePath {
                entry: name.clone(),
            },
            ArchiveError::Symlink(name) => ProblemKind::ZipSymlink {
                entry: name.clone(),
            },
            ArchiveError::SpecialFile(name) => ProblemKind::SpecialFile {
                entry: name.clone(),
            },
            ArchiveError::NonAsciiName(name) => ProblemKind::NonAsciiName {
                entry: name.clone(),
            },
            ArchiveError::DuplicateName(name) => ProblemKind::DuplicateName {
                entry: name.clone(),
            },
            ArchiveError::UnknownType(name) => ProblemKind::UnknownFileType {
                entry: name.clone(),
            },
            ArchiveError::NoCourse => ProblemKind::NoCourseToml,
            ArchiveError::Io(detail) => ProblemKind::UnpackFailed {
                detail: detail.clone(),
            },
        }
    }

    /// Over one of the size limits (413 rather than 422).
    pub fn is_too_large(&self) -> bool {
        matches!(
            self,
            ArchiveError::TooLarge(_)
                | ArchiveError::UnpackedTooLarge
                | ArchiveError::TooManyEntries(_)
        )
    }
}

impl std::fmt::Display for ArchiveError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.problem().text(Lang::En))
    }
}

impl std::error::Error for ArchiveError {}

fn allowed_file(path: &Path) -> bool {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().to_ascii_lowercase())
        .unwrap_or_default();
    let ext = path
        .extension()
        .map(|e| e.to_string_lossy().to_ascii_lowercase())
        .unwrap_or_default();
    matches!(
        name.as_str(),
        "course.toml" | "questions.toml" | "questions.csv"
    ) || ext == "md"
        || MEDIA_TYPES.iter().any(|(e, _)| *e == ext)
}

/// Unpacks `bytes` under `dest` and returns the pack folder (the one holding course.toml).
pub fn unpack(bytes: &[u8], dest: &Path) -> Result<PathBuf, ArchiveError> {
    if bytes.len() > MAX_ZIP_BYTES {
        return Err(ArchiveError::TooLarge(bytes.len()));
    }
    let mut zip = zip::ZipArchive::new(Cursor::new(bytes))
        .map_err(|e| ArchiveError::NotZip(e.to_string()))?;
    if zip.len() > MAX_ENTRIES {
        return Err(ArchiveError::TooManyEntries(zip.len()));
    }
    let root = dest.join("upload");
    std::fs::create_dir_all(&root).map_err(|e| ArchiveError::Io(e.to_string()))?;
    let mut seen = HashSet::new();
    let mut total: u64 = 0;
    for index in 0..zip.len() {
        let mut entry = zip
            .by_index(index)
            .map_err(|e| ArchiveError::NotZip(e.to_string()))?;
        let raw_name = String::from_utf8_lossy(entry.name_raw()).into_owned();
        if !raw_name.is_ascii() {
            return Err(ArchiveError::NonAsciiName(raw_name));
        }
        let relative = entry
            .enclosed_name()
            .ok_or_else(|| ArchiveError::UnsafePath(raw_name.clone()))?;
        if raw_name.starts_with('/')
            || raw_name.contains(['\\', ':'])
            || relative
                .components()
                .any(|c| !matches!(c, Component::Normal(_)))
        {
            return Err(ArchiveError::UnsafePath(raw_name));
        }
        if relative
            .components()
            .any(|c| c.as_os_str().to_string_lossy().starts_with("__MACOSX"))
        {
            continue;
        }
        if entry.is_symlink() {
            return Err(ArchiveError::Symlink(raw_name));
        }
        if let Some(mode) = entry.unix_mode() {
            let kind = mode & 0o170000;
            if kind != 0 && kind != 0o100000 && kind != 0o040000 {
                return Err(ArchiveError::SpecialFile(raw_name));
            }
        }
        if !seen.insert(
            relative
                .to_string_lossy()
                .to_ascii_lowercase()
                .trim_end_matches('/')
                .to_string(),
        ) {
            return Err(ArchiveError::DuplicateName(raw_name));
        }
        let target = root.join(&relative);
        if entry.is_dir() {
            std::fs::create_dir_all(&target).map_err(|e| ArchiveError::Io(e.to_string()))?;
            continue;
        }
        if !allowed_file(&relative) {
            return Err(ArchiveError::UnknownType(raw_name));
        }
        if let Some(parent) = target.parent() {
            std::fs::create_dir_all(parent).map_err(|e| ArchiveError::Io(e.to_string()))?;
        }
        let compressed = entry.compressed_size().max(1);
        // Never trust the declared size: read at most what the limits still allow, plus one byte.
        let budget = MAX_UNPACKED_BYTES - total;
        let mut data = Vec::new();
        (&mut entry)
            .take(budget + 1)
            .read_to_end(&mut data)
            .map_err(|e| ArchiveError::NotZip(e.to_string()))?;
        let size = data.len() as u64;
        if size > budget {
            return Err(ArchiveError::UnpackedTooLarge);
        }
        if size > 1024 * 1024 && size / compressed > MAX_RATIO {
            return Err(ArchiveError::Bomb(raw_name));
        }
        total += size;
        std::fs::write(&target, data).map_err(|e| ArchiveError::Io(e.to_string()))?;
    }
    pack_root(&root)
}

/// The pack folder: `root` if it holds course.toml, or its single subfolder that does. The
/// folder is renamed to the course id when course.toml names a plausible one.
fn pack_root(root: &Path) -> Result<PathBuf, ArchiveError> {
    let found = if root.join("course.toml").is_file() {
        root.to_path_buf()
    } else {
        let dirs: Vec<PathBuf> = std::fs::read_dir(root)
            .map_err(|e| ArchiveError::Io(e.to_string()))?
            .flatten()
            .map(|e| e.path())
            .filter(|p| p.is_dir() && !p.ends_with("__MACOSX"))
            .collect();
        match dirs.as_slice() {
            [only] if only.join("course.toml").is_file() => only.clone(),
            _ => return Err(ArchiveError::NoCourse),
        }
    };
    #[derive(serde::Deserialize)]
    struct JustId {
        id: Option<String>,
    }
    let text = std::fs::read_to_string(found.join("course.toml")).unwrap_or_default();
    let id = toml::from_str::<JustId>(&text).ok().and_then(|c| c.id);
    match id {
        Some(id)
            if (3..=64).contains(&id.len())
                && id
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-') =>
        {
            let named = root.parent().unwrap_or(root).join(&id);
            if named != found {
                std::fs::rename(&found, &named).map_err(|e| ArchiveError::Io(e.to_string()))?;
            }
            Ok(named)
        }
        _ => Ok(found),
    }
}

#[cfg(test)]
mod tests {
    use std::io::Write;

    use zip::write::SimpleFileOptions;

    use super::*;

    fn zip_of(entries: &[(&str, &[u8])]) -> Vec<u8> {
        let mut writer = zip::ZipWriter::new(Cursor::new(Vec::new()));
        let options =
            SimpleFileOptions::default().compression_method(zip::CompressionMethod::Deflated);
        for (name, data) in entries {
            if name.ends_with('/') {
                writer.add_directory(*name, options).unwrap();
            } else {
                writer.start_file(*name, options).unwrap();
                writer.write_all(data).unwrap();
            }
        }
        writer.finish().unwrap().into_inner()
    }

    fn unpack_err(bytes: &[u8]) -> ArchiveError {
        let dir = tempfile::tempdir().unwrap();
        unpack(bytes, dir.path()).unwrap_err()
    }

    #[test]
    fn a_pack_in_a_folder_unpacks_under_its_id() {
        let bytes = zip_of(&[
            ("my-pack/", b""),
            ("my-pack/course.toml", b"id = \"demo-course\"\n"),
            ("my-pack/lessons/01-a.md", b"# a"),
        ]);
        let dir = tempfile::tempdir().unwrap();
        let root = unpack(&bytes, dir.path()).unwrap();
        assert_eq!(root, dir.path().join("demo-course"));
        assert!(root.join("lessons/01-a.md").is_file());
    }

    #[test]
    fn refusals() {
        assert!(matches!(unpack_err(b"not a zip"), ArchiveError::NotZip(_)));
        assert_eq!(
            unpack_err(&zip_of(&[("../evil.md", b"x")])),
            ArchiveError::UnsafePath("../evil.md".into())
        );
        assert_eq!(
            unpack_err(&zip_of(&[("/etc/evil.md", b"x")])),
            ArchiveError::UnsafePath("/etc/evil.md".into())
        );
        assert_eq!(
            unpack_err(&zip_of(&[("a\\..\\evil.md", b"x")])),
            ArchiveError::UnsafePath("a\\..\\evil.md".into())
        );
        assert_eq!(
            unpack_err(&zip_of(&[("course.toml", b"x"), ("run.sh", b"rm -rf /")])),
            ArchiveError::UnknownType("run.sh".into())
        );
        assert_eq!(
            unpack_err(&zip_of(&[("inner.zip", b"PK")])),
            ArchiveError::UnknownType("inner.zip".into())
        );
        assert_eq!(
            unpack_err(&zip_of(&[("media/x.html", b"<script></script>")])),
            ArchiveError::UnknownType("media/x.html".into())
        );
        assert_eq!(
            unpack_err(&zip_of(&[("lessons/a.md", b"1"), ("lessons/A.md", b"2")])),
            ArchiveError::DuplicateName("lessons/A.md".into())
        );
        assert_eq!(
            unpack_err(&zip_of(&[("lessons/课.md", b"1")])),
            ArchiveError::NonAsciiName("lessons/课.md".into())
        );
        assert_eq!(
            unpack_err(&zip_of(&[("lessons/a.md", b"1")])),
            ArchiveError::NoCourse
        );
        let many: Vec<(String, Vec<u8>)> = (0..=MAX_ENTRIES)
            .map(|i| (format!("lessons/{i}.md"), vec![b'x']))
            .collect();
        let many: Vec<(&str, &[u8])> = many
            .iter()
            .map(|(n, d)| (n.as_str(), d.as_slice()))
            .collect();
        assert_eq!(
            unpack_err(&zip_of(&many)),
            ArchiveError::TooManyEntries(MAX_ENTRIES + 1)
        );
    }

    #[test]
    fn zip_bombs_stop_early() {
        // 20 MB of zeros compresses about 1000:1.
        let zeros = vec![0u8; 20 * 1024 * 1024];
        assert_eq!(
            unpack_err(&zip_of(&[
                ("course.toml", b"id = \"x\""),
                ("media/big.png", &zeros)
            ])),
            ArchiveError::Bomb("media/big.png".into())
        );
    }

    #[test]
    fn symlinks_are_refused() {
        let mut writer = zip::ZipWriter::new(Cursor::new(Vec::new()));
        writer
            .add_symlink(
                "media/link.png",
                "/etc/passwd",
                SimpleFileOptions::default(),
            )
            .unwrap();
        let bytes = writer.finish().unwrap().into_inner();
        assert_eq!(
            unpack_err(&bytes),
            ArchiveError::Symlink("media/link.png".into())
        );
    }
}

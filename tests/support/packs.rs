//! Small valid course packs written on the fly for tests.

use std::io::Write;
use std::path::Path;

/// A skills file with the one skill the test packs use.
pub const SKILLS: &str = "[[skill]]\nid = \"digital-life\"\nname = \"数字生活\"\nname_en = \"Digital life\"\nlevels = [\"初级\", \"中级\", \"高级\"]\n";

/// Writes a small valid pack: `lessons` are (id, text) pairs.
pub fn write_course(
    root: &Path,
    id: &str,
    version: &str,
    prerequisites: &[&str],
    lessons: &[(&str, &str)],
) {
    let dir = root.join(id);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(dir.join("lessons")).unwrap();
    let files: Vec<String> = lessons
        .iter()
        .enumerate()
        .map(|(i, (key, _))| format!("lessons/{:02}-{key}.md", i + 1))
        .collect();
    let list = files
        .iter()
        .map(|f| format!("\"{f}\""))
        .collect::<Vec<_>>()
        .join(", ");
    let prereqs = prerequisites
        .iter()
        .map(|p| format!("\"{p}\""))
        .collect::<Vec<_>>()
        .join(", ");
    std::fs::write(
        dir.join("course.toml"),
        format!(
            "id = \"{id}\"\nversion = \"{version}\"\ntitle = \"课程 {id}\"\ntier = 1\nmode = \"online\"\nhours = 2\n\
             summary = \"测试课程。\"\nprerequisites = [{prereqs}]\nskills = [{{ skill = \"digital-life\", level = 1 }}]\n\
             lessons = [{list}]\n\n[quiz]\ndraw = 2\npass_mark = 60\nmax_attempts = 3\ntime_limit_minutes = 0\n\n\
             [completion]\nlessons = true\nquiz = true\nattendance = false\n"
        ),
    )
    .unwrap();
    for ((key, text), file) in lessons.iter().zip(&files) {
        std::fs::write(
            dir.join(file),
            format!("+++\nid = \"{key}\"\ntitle = \"{key}\"\nminutes = 5\n+++\n\n{text}\n"),
        )
        .unwrap();
    }
    let mut bank = String::new();
    for i in 1..=3 {
        bank.push_str(&format!(
            "[[question]]\nid = \"q-{i}\"\nkind = \"single\"\ntext = \"问题 {i}\"\noptions = [\"甲\", \"乙\"]\nanswer = \"A\"\n\n"
        ));
    }
    std::fs::write(dir.join("questions.toml"), bank).unwrap();
}

/// Rewrites parts of a written pack's `course.toml` (each `(from, to)` replaced).
pub fn edit_course(root: &Path, id: &str, edits: &[(&str, &str)]) {
    let path = root.join(id).join("course.toml");
    let mut text = std::fs::read_to_string(&path).unwrap();
    for (from, to) in edits {
        assert!(text.contains(from), "{from:?} not in {}", path.display());
        text = text.replace(from, to);
    }
    std::fs::write(&path, text).unwrap();
}

/// A zip archive of `(name, bytes)` entries.
pub fn zip_of(entries: &[(&str, &[u8])]) -> Vec<u8> {
    let mut writer = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let options = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated);
    for (name, data) in entries {
        writer.start_file(*name, options).unwrap();
        writer.write_all(data).unwrap();
    }
    writer.finish().unwrap().into_inner()
}

/// A valid pack zipped from disk, with `edit` applied to its files first.
pub fn pack_zip(id: &str, version: &str, edit: impl Fn(&Path)) -> Vec<u8> {
    let folder = tempfile::tempdir().unwrap();
    write_course(
        folder.path(),
        id,
        version,
        &["smartphone-basics"],
        &[
            ("intro", "第一课<script>alert(1)</script>"),
            ("more", "第二课"),
        ],
    );
    let dir = folder.path().join(id);
    edit(&dir);
    let mut entries = Vec::new();
    for entry in walk(&dir) {
        let name = format!("{id}/{}", entry.strip_prefix(&dir).unwrap().display());
        entries.push((name, std::fs::read(&entry).unwrap()));
    }
    let borrowed: Vec<(&str, &[u8])> = entries
        .iter()
        .map(|(n, d)| (n.as_str(), d.as_slice()))
        .collect();
    zip_of(&borrowed)
}

pub fn walk(dir: &Path) -> Vec<std::path::PathBuf> {
    let mut files = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap().flatten() {
        if entry.path().is_dir() {
            files.extend(walk(&entry.path()));
        } else {
            files.push(entry.path());
        }
    }
    files.sort();
    files
}

pub async fn upload(app: &super::TestApp, token: &str, bytes: Vec<u8>) -> reqwest::Response {
    let form = reqwest::multipart::Form::new().part(
        "pack",
        reqwest::multipart::Part::bytes(bytes).file_name("pack.zip"),
    );
    app.client
        .post(app.url("/api/v1/course-packs"))
        .bearer_auth(token)
        .multipart(form)
        .send()
        .await
        .unwrap()
}

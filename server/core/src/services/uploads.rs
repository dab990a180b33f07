//! Course packs uploaded through the web by trainers: unpacked safely, checked, stored with
//! their report and a preview, then published to the trainer's organisation subtree.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use diesel::prelude::*;

use super::actor::Actor;
use super::catalog::{check_owner, import_pack, ImportOutcome};
use super::tokens::new_public_id;
use super::{now, orgs, Core};
use crate::db::schema::{courses, pack_uploads, skills};
use crate::db::types::Json;
use crate::db::{write_tx, DbConn};
use crate::domain::{Role, UploadStatus};
use crate::dto::{LessonPreview, PublishView, UploadView};
use crate::packs::archive::{self, ArchiveError};
use crate::packs::{self, markdown, Pack, Skill};
use crate::ServiceError;

/// Where `upload` is recorded as the source of published courses.
pub const UPLOAD_SOURCE: &str = "upload";

/// The organisation a trainer or administrator publishes to: her first such grant.
fn publish_scope(actor: &Actor) -> Result<(String, String), ServiceError> {
    actor
        .grants
        .iter()
        .find(|g| matches!(g.role, Role::Trainer | Role::Admin))
        .map(|g| (g.org_code.clone(), g.org_path.clone()))
        .ok_or(ServiceError::Forbidden)
}

fn archive_error(error: ArchiveError) -> ServiceError {
    match error {
        ArchiveError::TooLarge(_)
        | ArchiveError::UnpackedTooLarge
        | ArchiveError::TooManyEntries(_) => ServiceError::UploadTooLarge(error.to_string()),
        other => ServiceError::BadUpload(other.to_string()),
    }
}

/// Writes the platform's skill framework next to the unpacked pack, for the checker.
fn write_skills(conn: &mut DbConn, dir: &Path) -> Result<(), ServiceError> {
    /// A skill of the framework as stored.
    #[derive(Queryable)]
    struct SkillRow {
        code: String,
        name: String,
        name_en: String,
        levels: Json<Vec<String>>,
    }
    let rows: Vec<SkillRow> = skills::table
        .select((skills::code, skills::name, skills::name_en, skills::levels))
        .load(conn)?;
    #[derive(serde::Serialize)]
    struct Framework {
        skill: Vec<Skill>,
    }
    let framework = Framework {
        skill: rows
            .into_iter()
            .map(|row| Skill {
                id: row.code,
                name: row.name,
                name_en: row.name_en,
                levels: row.levels.0,
            })
            .collect(),
    };
    let text = toml::to_string(&framework).map_err(|e| ServiceError::internal(e.to_string()))?;
    std::fs::write(dir.join("skills.toml"), text).map_err(|e| ServiceError::internal(e.to_string()))
}

/// Unpacks and checks an archive: the pack (when clean) and the problems.
fn unpack_and_check(
    conn: &mut DbConn,
    bytes: &[u8],
    work: &Path,
) -> Result<(Option<Pack>, Vec<String>, PathBuf), ServiceError> {
    let root = archive::unpack(bytes, work).map_err(archive_error)?;
    write_skills(conn, root.parent().unwrap_or(work))?;
    let known: BTreeSet<String> = courses::table
        .select(courses::code)
        .load::<String>(conn)?
        .into_iter()
        .collect();
    let checked = packs::check_folder_with(&root, &known);
    let problems: Vec<String> = checked.problems.iter().map(ToString::to_string).collect();
    let pack = if problems.is_empty() {
        checked.packs.into_iter().next()
    } else {
        None
    };
    Ok((pack, problems, root))
}

fn preview(pack: &Pack) -> Vec<LessonPreview> {
    let media_base = format!("/media/{}/", pack.id);
    pack.lessons
        .iter()
        .map(|l| LessonPreview {
            id: l.id.clone(),
            title: l.title.clone(),
            minutes: l.minutes,
            html: markdown::render(&l.markdown, &media_base),
        })
        .collect()
}

#[derive(Debug, serde::Serialize, serde::Deserialize, Default)]
struct StoredPreview {
    title: Option<String>,
    lessons: Vec<LessonPreview>,
    questions: usize,
}

/// Receives a zipped pack from a trainer or administrator: unpacks it within the limits,
/// checks it, and keeps it with its report. Unsafe or oversized archives are refused outright.
pub async fn upload(
    core: &Core,
    actor: &Actor,
    file_name: String,
    bytes: Vec<u8>,
) -> Result<UploadView, ServiceError> {
    let (org_code, _) = publish_scope(actor)?;
    if bytes.len() > archive::MAX_ZIP_BYTES {
        return Err(archive_error(ArchiveError::TooLarge(bytes.len())));
    }
    let user_id = actor.user_id;
    core.run(move |conn, config| {
        let work = tempfile::tempdir().map_err(|e| ServiceError::internal(e.to_string()))?;
        let org =
            orgs::find_by_code(conn, &org_code)?.ok_or(ServiceError::NotFound("organisation"))?;
        let (pack, mut problems, _) = unpack_and_check(conn, &bytes, work.path())?;
        // A course id owned by another union (or bundled, or reserved by the bundled folder)
        // is reported before publishing.
        if let Some(p) = &pack {
            if let Some(reserved) = reserved_by_folder(config, &p.id) {
                problems.push(format!("{}/course.toml: id: {reserved}", p.id));
            }
            match check_owner(conn, &p.id, org.id, UPLOAD_SOURCE) {
                Err(owned @ ServiceError::CourseOwned { .. }) => {
                    problems.push(format!("{}/course.toml: id: {owned}", p.id))
                }
                other => {
                    other?;
                }
            }
        }
        let stored = pack
            .as_ref()
            .map(|p| StoredPreview {
                title: Some(p.title.clone()),
                lessons: preview(p),
                questions: p.questions.len(),
            })
            .unwrap_or_default();
        let public_id = new_public_id();
        let status = if problems.is_empty() {
            UploadStatus::Checked
        } else {
            UploadStatus::Rejected
        };
        let file_name: String = file_name
            .chars()
            .filter(|c| !c.is_control())
            .take(200)
            .collect();
        diesel::insert_into(pack_uploads::table)
            .values((
                pack_uploads::public_id.eq(&public_id),
                pack_uploads::user_id.eq(user_id),
                pack_uploads::org_id.eq(org.id),
                pack_uploads::file_name.eq(&file_name),
                pack_uploads::course_code.eq(pack.as_ref().map(|p| p.id.clone())),
                pack_uploads::version.eq(pack.as_ref().map(|p| p.version.clone())),
                pack_uploads::archive.eq(&bytes),
                pack_uploads::problems.eq(serde_json::to_string(&problems).expect("json")),
                pack_uploads::preview.eq(serde_json::to_string(&stored).expect("json")),
                pack_uploads::status.eq(status),
                pack_uploads::created_at.eq(now()),
            ))
            .execute(conn)?;
        load_view(conn, &public_id)
    })
    .await
}

/// An upload with its report, preview and the code and path of its union.
#[derive(Debug, Queryable)]
struct UploadRow {
    public_id: String,
    file_name: String,
    course_code: Option<String>,
    version: Option<String>,
    status: UploadStatus,
    problems: Json<Vec<String>>,
    preview: Json<StoredPreview>,
    org_code: String,
    created_at: chrono::NaiveDateTime,
    user_id: i64,
    org_path: String,
}

fn load_row(conn: &mut DbConn, public_id: &str) -> Result<UploadRow, ServiceError> {
    use crate::db::schema::orgs as o;
    pack_uploads::table
        .inner_join(o::table)
        .filter(pack_uploads::public_id.eq(public_id))
        .select((
            pack_uploads::public_id,
            pack_uploads::file_name,
            pack_uploads::course_code,
            pack_uploads::version,
            pack_uploads::status,
            pack_uploads::problems,
            pack_uploads::preview,
            o::code,
            pack_uploads::created_at,
            pack_uploads::user_id,
            o::path,
        ))
        .first(conn)
        .optional()?
        .ok_or(ServiceError::NotFound("upload"))
}

fn to_view(row: UploadRow) -> UploadView {
    let stored = row.preview.0;
    UploadView {
        id: row.public_id,
        file_name: row.file_name,
        course: row.course_code,
        version: row.version,
        title: stored.title,
        status: row.status.as_str().into(),
        problems: row.problems.0,
        org: row.org_code,
        lessons: stored.lessons,
        questions: stored.questions,
        created_at: row.created_at.format("%Y-%m-%d %H:%M UTC").to_string(),
    }
}

fn load_view(conn: &mut DbConn, public_id: &str) -> Result<UploadView, ServiceError> {
    Ok(to_view(load_row(conn, public_id)?))
}

/// The uploader, or an administrator over the upload's organisation, may see and publish it.
fn authorise(actor: &Actor, row: &UploadRow) -> Result<(), ServiceError> {
    if row.user_id == actor.user_id || actor.holds(Role::Admin, &row.org_path) {
        Ok(())
    } else {
        Err(ServiceError::NotFound("upload"))
    }
}

pub async fn get(
    core: &Core,
    actor: &Actor,
    public_id: String,
) -> Result<UploadView, ServiceError> {
    let actor = actor.clone();
    core.run(move |conn, _| {
        let row = load_row(conn, &public_id)?;
        authorise(&actor, &row)?;
        Ok(to_view(row))
    })
    .await
}

/// The actor's own uploads, newest first (without lesson previews).
pub async fn mine(core: &Core, actor: &Actor) -> Result<Vec<UploadView>, ServiceError> {
    let user_id = actor.user_id;
    core.run(move |conn, _| {
        let ids: Vec<String> = pack_uploads::table
            .filter(pack_uploads::user_id.eq(user_id))
            .order(pack_uploads::id.desc())
            .limit(50)
            .select(pack_uploads::public_id)
            .load(conn)?;
        ids.iter()
            .map(|id| {
                load_view(conn, id).map(|mut v| {
                    v.lessons.clear();
                    v
                })
            })
            .collect()
    })
    .await
}

/// Why a course id is reserved for the bundled catalogue (a pack of that id is in the
/// configured courses folder), if it is: an upload must not take an id a bundled course will
/// be imported under.
fn reserved_by_folder(config: &crate::config::Config, id: &str) -> Option<String> {
    let bundled = config.courses_dir.join(id).join("course.toml");
    bundled.is_file().then(|| {
        format!("the course id {id:?} belongs to a bundled course (in the courses folder); give this pack another id")
    })
}

/// Publishes a checked upload to its organisation's subtree (checked again first).
pub async fn publish(
    core: &Core,
    actor: &Actor,
    public_id: String,
) -> Result<PublishView, ServiceError> {
    let actor = actor.clone();
    core.run(move |conn, config| {
        let row = load_row(conn, &public_id)?;
        authorise(&actor, &row)?;
        if row.status == UploadStatus::Rejected {
            return Err(ServiceError::InvalidPack {
                problems: row.problems.0,
            });
        }
        let (org_id, bytes): (i64, Vec<u8>) = pack_uploads::table
            .filter(pack_uploads::public_id.eq(&public_id))
            .select((pack_uploads::org_id, pack_uploads::archive))
            .first(conn)?;
        let work = tempfile::tempdir().map_err(|e| ServiceError::internal(e.to_string()))?;
        let (pack, problems, _) = unpack_and_check(conn, &bytes, work.path())?;
        let Some(pack) = pack else {
            return Err(ServiceError::InvalidPack { problems });
        };
        if let Some(reserved) = reserved_by_folder(config, &pack.id) {
            return Err(ServiceError::InvalidPack {
                problems: vec![format!("{}/course.toml: id: {reserved}", pack.id)],
            });
        }
        let outcome = write_tx(conn, |conn| {
            let outcome = import_pack(conn, &pack, org_id, UPLOAD_SOURCE)?;
            diesel::update(pack_uploads::table.filter(pack_uploads::public_id.eq(&public_id)))
                .set((
                    pack_uploads::status.eq(UploadStatus::Published),
                    pack_uploads::published_at.eq(now()),
                ))
                .execute(conn)?;
            Ok::<ImportOutcome, ServiceError>(outcome)
        })?;
        Ok(PublishView {
            course: pack.id,
            version: pack.version,
            outcome: outcome.as_str().into(),
            org: row.org_code,
        })
    })
    .await
}

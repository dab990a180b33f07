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
use crate::dto::{LessonPreview, OrgView, PublishView, UploadView};
use crate::packs::archive::{self, ArchiveError};
use crate::packs::{self, markdown, Pack, Problem, ProblemKind, ReportedProblem, Skill};
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

/// The union a user's uploads are published to, or `None` when she may not upload: only the
/// trainers and administrators of a union may (the upload page says so instead of a form).
pub async fn scope(core: &Core, actor: &Actor) -> Result<Option<OrgView>, ServiceError> {
    let Ok((org_code, _)) = publish_scope(actor) else {
        return Ok(None);
    };
    core.run(move |conn, _| {
        let org =
            orgs::find_by_code(conn, &org_code)?.ok_or(ServiceError::NotFound("organisation"))?;
        Ok(Some(orgs::to_view(&org)))
    })
    .await
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

/// An archive as checked: the pack (when clean), its problems and its warnings.
type CheckedArchive = (Option<Pack>, Vec<Problem>, Vec<Problem>, PathBuf);

/// Unpacks and checks an archive.
fn unpack_and_check(
    conn: &mut DbConn,
    bytes: &[u8],
    work: &Path,
) -> Result<CheckedArchive, ServiceError> {
    let root = archive::unpack(bytes, work)?;
    write_skills(conn, root.parent().unwrap_or(work))?;
    let known: BTreeSet<String> = courses::table
        .select(courses::code)
        .load::<String>(conn)?
        .into_iter()
        .collect();
    let checked = packs::check_folder_with(&root, &known);
    let pack = if checked.problems.is_empty() {
        checked.packs.into_iter().next()
    } else {
        None
    };
    Ok((pack, checked.problems, checked.warnings, root))
}

/// `id/course.toml` of a pack, where problems with its id are reported.
fn course_toml_of(pack: &Pack) -> PathBuf {
    PathBuf::from(format!("{}/course.toml", pack.id))
}

/// The line of `id = …` in the pack's course.toml (0 if it cannot be found).
fn id_line(pack: &Pack) -> usize {
    std::fs::read_to_string(pack.dir.join("course.toml"))
        .ok()
        .and_then(|text| {
            text.lines().position(|l| {
                l.trim_start().starts_with("id ") || l.trim_start().starts_with("id=")
            })
        })
        .map_or(0, |i| i + 1)
}

/// A clean pack's id may still be taken: by a bundled course, or by another union's course.
fn id_problems(
    conn: &mut DbConn,
    config: &crate::config::Config,
    pack: &Pack,
    org_id: i64,
) -> Result<Vec<Problem>, ServiceError> {
    let mut problems = Vec::new();
    let at = |kind: ProblemKind| Problem::new(course_toml_of(pack), id_line(pack), kind);
    if reserved_by_folder(config, &pack.id) {
        problems.push(at(ProblemKind::CourseIdBundled {
            id: pack.id.clone(),
        }));
    }
    match check_owner(conn, &pack.id, org_id, UPLOAD_SOURCE) {
        Err(ServiceError::CourseOwned {
            course,
            owner,
            bundled,
        }) => problems.push(at(ProblemKind::CourseOwned {
            course,
            owner,
            bundled,
        })),
        other => {
            other?;
        }
    }
    Ok(problems)
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
        return Err(ArchiveError::TooLarge(bytes.len()).into());
    }
    let user_id = actor.user_id;
    core.run(move |conn, config| {
        let work = tempfile::tempdir().map_err(|e| ServiceError::internal(e.to_string()))?;
        let org =
            orgs::find_by_code(conn, &org_code)?.ok_or(ServiceError::NotFound("organisation"))?;
        let (pack, mut problems, warnings, _) = unpack_and_check(conn, &bytes, work.path())?;
        // A course id owned by another union (or bundled, or reserved by the bundled folder)
        // is reported before publishing.
        if let Some(p) = &pack {
            problems.extend(id_problems(conn, config, p, org.id)?);
        }
        // Warnings are reported beside the problems ("提醒：…") but do not reject the pack.
        let report: Vec<ReportedProblem> = problems
            .iter()
            .chain(&warnings)
            .map(Problem::reported)
            .collect();
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
                pack_uploads::problems.eq(serde_json::to_string(&report).expect("json")),
                pack_uploads::preview.eq(serde_json::to_string(&stored).expect("json")),
                pack_uploads::status.eq(status),
                pack_uploads::created_at.eq(now()),
            ))
            .execute(conn)?;
        load_view(conn, &public_id)
    })
    .await
}

/// An upload with its report, preview and its union (code, names and path).
#[derive(Debug, Queryable)]
struct UploadRow {
    public_id: String,
    file_name: String,
    course_code: Option<String>,
    version: Option<String>,
    status: UploadStatus,
    problems: Json<Vec<ReportedProblem>>,
    preview: Json<StoredPreview>,
    org_code: String,
    created_at: chrono::NaiveDateTime,
    user_id: i64,
    org_path: String,
    org_name: String,
    org_name_en: Option<String>,
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
            o::name,
            o::name_en,
        ))
        .first(conn)
        .optional()?
        .ok_or(ServiceError::NotFound("upload"))
}

fn to_view(row: UploadRow) -> UploadView {
    let stored = row.preview.0;
    let (warnings, problems): (Vec<ReportedProblem>, Vec<ReportedProblem>) = row
        .problems
        .0
        .into_iter()
        .partition(ReportedProblem::is_warning);
    UploadView {
        id: row.public_id,
        file_name: row.file_name,
        course: row.course_code,
        version: row.version,
        title: stored.title,
        status: row.status.as_str().into(),
        problems: problems.iter().map(ReportedProblem::english_line).collect(),
        report: problems,
        warnings,
        org: row.org_code,
        org_name: row.org_name,
        org_name_en: row.org_name_en,
        lessons: stored.lessons,
        questions: stored.questions,
        created_at: row.created_at.format("%Y-%m-%d %H:%M UTC").to_string(),
        created_at_china: crate::time::china_minute(row.created_at),
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

/// Whether a course id is reserved for the bundled catalogue (a pack of that id is in the
/// configured courses folder): an upload must not take an id a bundled course will be
/// imported under.
fn reserved_by_folder(config: &crate::config::Config, id: &str) -> bool {
    config.courses_dir.join(id).join("course.toml").is_file()
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
                problems: row
                    .problems
                    .0
                    .iter()
                    .map(ReportedProblem::english_line)
                    .collect(),
            });
        }
        let (org_id, bytes): (i64, Vec<u8>) = pack_uploads::table
            .filter(pack_uploads::public_id.eq(&public_id))
            .select((pack_uploads::org_id, pack_uploads::archive))
            .first(conn)?;
        let work = tempfile::tempdir().map_err(|e| ServiceError::internal(e.to_string()))?;
        let (pack, problems, _, _) = unpack_and_check(conn, &bytes, work.path())?;
        let Some(pack) = pack else {
            return Err(ServiceError::InvalidPack {
                problems: problems.iter().map(ToString::to_string).collect(),
            });
        };
        if reserved_by_folder(config, &pack.id) {
            let problem = Problem::new(
                course_toml_of(&pack),
                id_line(&pack),
                ProblemKind::CourseIdBundled {
                    id: pack.id.clone(),
                },
            );
            return Err(ServiceError::InvalidPack {
                problems: vec![problem.to_string()],
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

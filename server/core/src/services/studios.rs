//! Women workers' innovation studios (女职工创新工作室): an administrator registers one on
//! her union's node with its leader (an existing account of that subtree) and focus skills;
//! the leader invites members or approves their requests; the studio keeps a dated list of
//! achievements; the leader recruits among women of the host's subtree who consent to
//! studios seeing their skills — never beyond it.
//!
//! Who sees what: the studio itself (name, figures, achievements) is seen by everyone the
//! host node reaches ([`super::reach`]); its members' names by its managers (the leader and
//! the host's administrators) and its members; a member's levels only while she consents.

use std::collections::HashMap;

use chrono::NaiveDate;
use diesel::prelude::*;
use serde::Deserialize;

use super::actor::Actor;
use super::reach::{self, PersonRow};
use super::skills::{self, SkillInfo};
use super::tokens::new_public_id;
use super::{now, orgs, stored_json, Core};
use crate::db::schema::{
    consents, enrollments, orgs as orgs_t, skill_records, studio_achievements, studio_members,
    studios, users,
};
use crate::db::{write_tx, DbConn};
use crate::domain::{AchievementKind, DomainError, Gender, MemberStatus, Role};
use crate::dto::{
    AchievementView, CandidateView, PersonRef, StudioMemberView, StudioPage, StudioView,
};
use crate::time::china_date;
use crate::ServiceError;

/// The drive's goal: 100 innovation studios province-wide.
pub const STUDIO_GOAL: i64 = 100;

/// The largest attachment of an achievement.
pub const MAX_ATTACHMENT: usize = 5 * 1024 * 1024;

#[derive(Debug, Clone, Queryable)]
struct StudioRow {
    id: i64,
    public_id: String,
    name: String,
    leader_id: i64,
    skills: String,
    description: String,
    created_at: chrono::NaiveDateTime,
    org_code: String,
    org_name: String,
    org_path: String,
}

macro_rules! studio_query {
    () => {
        studios::table.inner_join(orgs_t::table).select((
            studios::id,
            studios::public_id,
            studios::name,
            studios::leader_id,
            studios::skills,
            studios::description,
            studios::created_at,
            orgs_t::code,
            orgs_t::name,
            orgs_t::path,
        ))
    };
}

fn find(conn: &mut DbConn, public_id: &str) -> Result<StudioRow, ServiceError> {
    studio_query!()
        .filter(studios::public_id.eq(public_id))
        .first(conn)
        .optional()?
        .ok_or(ServiceError::NotFound("studio"))
}

/// The studio, for someone its host node reaches (403 for everyone else).
fn visible(conn: &mut DbConn, actor: &Actor, public_id: &str) -> Result<StudioRow, ServiceError> {
    let row = find(conn, public_id)?;
    reach::require_reach(conn, actor, &row.org_path)?;
    Ok(row)
}

fn manages(actor: &Actor, row: &StudioRow) -> bool {
    row.leader_id == actor.user_id || actor.holds(Role::Admin, &row.org_path)
}

/// The studio, for its leader or an administrator of its host (403 for everyone else).
fn managed(conn: &mut DbConn, actor: &Actor, public_id: &str) -> Result<StudioRow, ServiceError> {
    let row = visible(conn, actor, public_id)?;
    if !manages(actor, &row) {
        return Err(ServiceError::Forbidden);
    }
    Ok(row)
}

/// `POST /api/v1/studios`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StudioInput {
    pub name: String,
    pub org: String,
    /// The leader's public id (`/api/v1/me`).
    pub leader: String,
    pub skills: Vec<String>,
    #[serde(default)]
    pub description: Option<String>,
}

fn title(text: &str) -> Result<String, DomainError> {
    let text = text.trim();
    let n = text.chars().count();
    if n == 0 || n > 100 || text.chars().any(char::is_control) {
        return Err(DomainError::Title);
    }
    Ok(text.to_string())
}

fn description(text: Option<&str>) -> Result<String, DomainError> {
    let text = text.unwrap_or_default().trim();
    if text.chars().count() > 2000 {
        return Err(DomainError::Description);
    }
    Ok(text.to_string())
}

/// Registers a studio at a node she administers; its leader becomes its first member.
pub async fn create(
    core: &Core,
    actor: &Actor,
    input: StudioInput,
) -> Result<StudioView, ServiceError> {
    let actor = actor.clone();
    core.run(move |conn, _| {
        let org = orgs::require_administered(conn, &actor, input.org.trim())?;
        let name = title(&input.name).map_err(|_| DomainError::Name)?;
        let description = description(input.description.as_deref())?;
        let framework = skills::framework(conn)?;
        let focus = skills::resolve(&framework, &input.skills)?;
        let leader = reach::find_person(conn, &input.leader)?
            .filter(|p| p.org_path.starts_with(&org.path))
            .ok_or(DomainError::Leader)?;
        let codes: Vec<&str> = focus.iter().map(|s| s.code.as_str()).collect();
        let public_id = new_public_id();
        write_tx(conn, |conn| {
            let at = now();
            diesel::insert_into(studios::table)
                .values((
                    studios::public_id.eq(&public_id),
                    studios::name.eq(&name),
                    studios::org_id.eq(org.id),
                    studios::leader_id.eq(leader.id),
                    studios::skills.eq(serde_json::to_string(&codes).expect("json")),
                    studios::description.eq(&description),
                    studios::created_by.eq(actor.user_id),
                    studios::created_at.eq(at),
                ))
                .execute(conn)?;
            let id: i64 = studios::table
                .filter(studios::public_id.eq(&public_id))
                .select(studios::id)
                .first(conn)?;
            diesel::insert_into(studio_members::table)
                .values((
                    studio_members::studio_id.eq(id),
                    studio_members::user_id.eq(leader.id),
                    studio_members::status.eq(MemberStatus::Member),
                    studio_members::since.eq(at),
                ))
                .execute(conn)?;
            Ok::<_, ServiceError>(())
        })?;
        let row = find(conn, &public_id)?;
        view(conn, &actor, &row, &framework)
    })
    .await
}

/// Members' completed courses, per member.
fn completions_of(conn: &mut DbConn, members: &[i64]) -> QueryResult<HashMap<i64, i64>> {
    let rows: Vec<(i64, i64)> = enrollments::table
        .filter(enrollments::user_id.eq_any(members))
        .filter(enrollments::completed_at.is_not_null())
        .group_by(enrollments::user_id)
        .select((enrollments::user_id, diesel::dsl::count_star()))
        .load(conn)?;
    Ok(rows.into_iter().collect())
}

fn member_ids(conn: &mut DbConn, studio: i64) -> QueryResult<Vec<i64>> {
    studio_members::table
        .filter(studio_members::studio_id.eq(studio))
        .filter(studio_members::status.eq(MemberStatus::Member))
        .select(studio_members::user_id)
        .load(conn)
}

fn view(
    conn: &mut DbConn,
    actor: &Actor,
    row: &StudioRow,
    framework: &[SkillInfo],
) -> Result<StudioView, ServiceError> {
    let members = member_ids(conn, row.id)?;
    let completions: i64 = completions_of(conn, &members)?.values().sum();
    let achievements: i64 = studio_achievements::table
        .filter(studio_achievements::studio_id.eq(row.id))
        .count()
        .get_result(conn)?;
    let leader = reach::person_by_id(conn, row.leader_id)?;
    let my_status: Option<MemberStatus> = studio_members::table
        .filter(studio_members::studio_id.eq(row.id))
        .filter(studio_members::user_id.eq(actor.user_id))
        .select(studio_members::status)
        .first(conn)
        .optional()?;
    let codes: Vec<String> = stored_json(&row.skills)?;
    Ok(StudioView {
        id: row.public_id.clone(),
        name: row.name.clone(),
        org: row.org_code.clone(),
        org_name: row.org_name.clone(),
        leader: PersonRef {
            id: leader.public_id,
            name: leader.name,
        },
        skills: framework
            .iter()
            .filter(|s| codes.contains(&s.code))
            .map(SkillInfo::reference)
            .collect(),
        description: row.description.clone(),
        members: members.len() as i64,
        completions,
        achievements,
        created_on: china_date(row.created_at),
        my_status: my_status.map(|s| s.as_str().to_string()),
        may_manage: manages(actor, row),
    })
}

/// The studios she reaches, in the subtree of `org` when given (403 for a node she does not
/// reach), newest first.
pub async fn list(
    core: &Core,
    actor: &Actor,
    org: Option<String>,
) -> Result<Vec<StudioView>, ServiceError> {
    let actor = actor.clone();
    core.run(move |conn, _| {
        let home = reach::home_path(conn, &actor)?;
        let within = reach::narrowed_to(conn, &actor, &home, org.as_deref())?;
        let rows: Vec<StudioRow> = studio_query!().order(studios::id.desc()).load(conn)?;
        let framework = skills::framework(conn)?;
        rows.into_iter()
            .filter(|r| reach::reaches(&actor, &home, &r.org_path))
            .filter(|r| within.as_ref().is_none_or(|w| r.org_path.starts_with(w)))
            .map(|r| view(conn, &actor, &r, &framework))
            .collect()
    })
    .await
}

#[derive(Queryable)]
struct MemberRow {
    user_id: i64,
    public_id: String,
    name: String,
    org_name: String,
    status: MemberStatus,
    since: chrono::NaiveDateTime,
}

fn members(
    conn: &mut DbConn,
    row: &StudioRow,
    framework: &[SkillInfo],
) -> Result<Vec<StudioMemberView>, ServiceError> {
    let rows: Vec<MemberRow> = studio_members::table
        .inner_join(users::table.inner_join(orgs_t::table))
        .filter(studio_members::studio_id.eq(row.id))
        .order(studio_members::id.asc())
        .select((
            studio_members::user_id,
            users::public_id,
            users::name,
            orgs_t::name,
            studio_members::status,
            studio_members::since,
        ))
        .load(conn)?;
    let ids: Vec<i64> = rows.iter().map(|r| r.user_id).collect();
    let consenting = skills::consenting(conn, &ids, true)?;
    let levels = skills::highest_levels(conn, &ids)?;
    let completions = completions_of(conn, &ids)?;
    let codes: Vec<String> = stored_json(&row.skills)?;
    Ok(rows
        .into_iter()
        .map(|m| StudioMemberView {
            levels: consenting.contains(&m.user_id).then(|| {
                framework
                    .iter()
                    .filter(|s| codes.contains(&s.code))
                    .filter_map(|s| {
                        levels
                            .get(&(m.user_id, s.id))
                            .filter(|l| **l > 0)
                            .map(|l| s.level_view(*l))
                    })
                    .collect()
            }),
            completions: completions.get(&m.user_id).copied().unwrap_or(0),
            user: m.public_id,
            name: m.name,
            org_name: m.org_name,
            status: m.status.as_str().into(),
            since: china_date(m.since),
        })
        .collect())
}

fn achievements(conn: &mut DbConn, row: &StudioRow) -> QueryResult<Vec<AchievementView>> {
    let rows: Vec<(
        i64,
        NaiveDate,
        AchievementKind,
        String,
        String,
        Option<String>,
    )> = studio_achievements::table
        .filter(studio_achievements::studio_id.eq(row.id))
        .order((
            studio_achievements::achieved_on.desc(),
            studio_achievements::id.desc(),
        ))
        .select((
            studio_achievements::id,
            studio_achievements::achieved_on,
            studio_achievements::kind,
            studio_achievements::title,
            studio_achievements::description,
            studio_achievements::attachment_name,
        ))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .map(
            |(id, on, kind, title, description, attachment)| AchievementView {
                attachment_url: attachment.as_ref().map(|_| {
                    format!(
                        "/api/v1/studios/{}/achievements/{id}/attachment",
                        row.public_id
                    )
                }),
                id,
                date: on.format("%Y-%m-%d").to_string(),
                kind: kind.as_str().into(),
                title,
                description,
                attachment_name: attachment,
            },
        )
        .collect())
}

fn page(conn: &mut DbConn, actor: &Actor, row: &StudioRow) -> Result<StudioPage, ServiceError> {
    let framework = skills::framework(conn)?;
    let studio = view(conn, actor, row, &framework)?;
    let insider = studio.may_manage || studio.my_status.as_deref() == Some("member");
    let (members, pending) = if insider {
        let all = members(conn, row, &framework)?;
        let (members, pending): (Vec<_>, Vec<_>) =
            all.into_iter().partition(|m| m.status == "member");
        (
            members,
            if studio.may_manage {
                pending
            } else {
                Vec::new()
            },
        )
    } else {
        (Vec::new(), Vec::new())
    };
    Ok(StudioPage {
        achievements: achievements(conn, row)?,
        studio,
        members,
        pending,
    })
}

/// A studio's page (members' names for its managers and members only).
pub async fn get(core: &Core, actor: &Actor, id: String) -> Result<StudioPage, ServiceError> {
    let actor = actor.clone();
    core.run(move |conn, _| {
        let row = visible(conn, &actor, &id)?;
        page(conn, &actor, &row)
    })
    .await
}

/// `POST /api/v1/studios/{id}/members`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MemberInput {
    pub user: String,
}

fn standing(conn: &mut DbConn, studio: i64, user: i64) -> QueryResult<Option<MemberStatus>> {
    studio_members::table
        .filter(studio_members::studio_id.eq(studio))
        .filter(studio_members::user_id.eq(user))
        .select(studio_members::status)
        .first(conn)
        .optional()
}

fn set_standing(
    conn: &mut DbConn,
    studio: i64,
    user: i64,
    before: Option<MemberStatus>,
    after: MemberStatus,
) -> QueryResult<()> {
    match before {
        None => diesel::insert_into(studio_members::table)
            .values((
                studio_members::studio_id.eq(studio),
                studio_members::user_id.eq(user),
                studio_members::status.eq(after),
                studio_members::since.eq(now()),
            ))
            .execute(conn)
            .map(drop),
        Some(_) => diesel::update(
            studio_members::table
                .filter(studio_members::studio_id.eq(studio))
                .filter(studio_members::user_id.eq(user)),
        )
        .set((
            studio_members::status.eq(after),
            studio_members::since.eq(now()),
        ))
        .execute(conn)
        .map(drop),
    }
}

/// The leader (or an administrator of the host) invites a woman of the host's subtree, or
/// approves her request. Returns the studio's page.
pub async fn add_member(
    core: &Core,
    actor: &Actor,
    id: String,
    input: MemberInput,
) -> Result<StudioPage, ServiceError> {
    let actor = actor.clone();
    core.run(move |conn, _| {
        let row = managed(conn, &actor, &id)?;
        let person: PersonRow = reach::find_person(conn, &input.user)?
            .filter(|p| p.org_path.starts_with(&row.org_path))
            .ok_or(DomainError::Member)?;
        write_tx(conn, |conn| {
            let before = standing(conn, row.id, person.id)?;
            let after = match before {
                Some(MemberStatus::Requested | MemberStatus::Member) => MemberStatus::Member,
                None | Some(MemberStatus::Invited) => MemberStatus::Invited,
            };
            if before != Some(after) {
                set_standing(conn, row.id, person.id, before, after)?;
            }
            Ok::<_, ServiceError>(())
        })?;
        page(conn, &actor, &row)
    })
    .await
}

/// She asks to join (or accepts the leader's invitation). Only a woman of the host's
/// subtree may.
pub async fn join(core: &Core, actor: &Actor, id: String) -> Result<StudioPage, ServiceError> {
    let actor = actor.clone();
    core.run(move |conn, _| {
        let row = visible(conn, &actor, &id)?;
        let me = reach::person_by_id(conn, actor.user_id)?;
        if !me.org_path.starts_with(&row.org_path) {
            return Err(ServiceError::Forbidden);
        }
        write_tx(conn, |conn| {
            let before = standing(conn, row.id, me.id)?;
            let after = match before {
                Some(MemberStatus::Invited | MemberStatus::Member) => MemberStatus::Member,
                None | Some(MemberStatus::Requested) => MemberStatus::Requested,
            };
            if before != Some(after) {
                set_standing(conn, row.id, me.id, before, after)?;
            }
            Ok::<_, ServiceError>(())
        })?;
        page(conn, &actor, &row)
    })
    .await
}

/// She leaves (or withdraws her request, or declines the invitation); a manager removes
/// someone. The leader stays.
pub async fn remove_member(
    core: &Core,
    actor: &Actor,
    id: String,
    user: String,
) -> Result<StudioPage, ServiceError> {
    let actor = actor.clone();
    core.run(move |conn, _| {
        let row = visible(conn, &actor, &id)?;
        let person = reach::find_person(conn, &user)?.ok_or(ServiceError::NotFound("member"))?;
        if person.id != actor.user_id && !manages(&actor, &row) {
            return Err(ServiceError::Forbidden);
        }
        if person.id == row.leader_id {
            return Err(DomainError::Member.into());
        }
        write_tx(conn, |conn| {
            diesel::delete(
                studio_members::table
                    .filter(studio_members::studio_id.eq(row.id))
                    .filter(studio_members::user_id.eq(person.id)),
            )
            .execute(conn)
        })?;
        page(conn, &actor, &row)
    })
    .await
}

/// `POST /api/v1/studios/{id}/achievements`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AchievementInput {
    /// `YYYY-MM-DD`.
    pub date: String,
    pub kind: String,
    pub title: String,
    #[serde(default)]
    pub description: Option<String>,
}

/// An attachment of an achievement: a PDF or picture.
#[derive(Debug, Clone)]
pub struct Attachment {
    /// The file's name as uploaded (its type is read from its first bytes, never trusted).
    pub name: String,
    pub bytes: Vec<u8>,
}

/// What a file's first bytes say it is: PDF, JPEG or PNG; anything else is refused.
fn sniff(bytes: &[u8]) -> Option<&'static str> {
    if bytes.starts_with(b"%PDF-") {
        Some("application/pdf")
    } else if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
        Some("image/jpeg")
    } else if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
        Some("image/png")
    } else {
        None
    }
}

/// A file name safe to send back in a header: its last path part, printable, at most 100
/// characters.
fn file_name(name: &str) -> String {
    let base = name.rsplit(['/', '\\']).next().unwrap_or_default();
    let clean: String = base
        .chars()
        .filter(|c| !c.is_control() && *c != '"')
        .take(100)
        .collect();
    if clean.trim().is_empty() {
        "attachment".into()
    } else {
        clean
    }
}

/// Records a dated achievement (the leader or an administrator of the host), with an
/// optional attachment. Returns it.
pub async fn add_achievement(
    core: &Core,
    actor: &Actor,
    id: String,
    input: AchievementInput,
    attachment: Option<Attachment>,
) -> Result<AchievementView, ServiceError> {
    let actor = actor.clone();
    core.run(move |conn, _| {
        let row = managed(conn, &actor, &id)?;
        let on = NaiveDate::parse_from_str(input.date.trim(), "%Y-%m-%d")
            .ok()
            .filter(|d| (2000..=2100).contains(&chrono::Datelike::year(d)))
            .ok_or(DomainError::Date { field: "date" })?;
        let kind = AchievementKind::parse(input.kind.trim()).ok_or(DomainError::AchievementKind)?;
        let title = title(&input.title)?;
        let description = description(input.description.as_deref())?;
        let file = match attachment {
            Some(a) if a.bytes.is_empty() => None,
            Some(a) => {
                if a.bytes.len() > MAX_ATTACHMENT {
                    return Err(DomainError::Attachment.into());
                }
                let kind = sniff(&a.bytes).ok_or(DomainError::Attachment)?;
                Some((file_name(&a.name), kind, a.bytes))
            }
            None => None,
        };
        let new_id = write_tx(conn, |conn| {
            diesel::insert_into(studio_achievements::table)
                .values((
                    studio_achievements::studio_id.eq(row.id),
                    studio_achievements::achieved_on.eq(on),
                    studio_achievements::kind.eq(kind),
                    studio_achievements::title.eq(&title),
                    studio_achievements::description.eq(&description),
                    studio_achievements::attachment_name.eq(file.as_ref().map(|f| f.0.clone())),
                    studio_achievements::attachment_type.eq(file.as_ref().map(|f| f.1)),
                    studio_achievements::attachment.eq(file.as_ref().map(|f| f.2.clone())),
                    studio_achievements::recorded_by.eq(actor.user_id),
                    studio_achievements::recorded_at.eq(now()),
                ))
                .execute(conn)?;
            studio_achievements::table
                .filter(studio_achievements::studio_id.eq(row.id))
                .order(studio_achievements::id.desc())
                .select(studio_achievements::id)
                .first::<i64>(conn)
        })?;
        achievements(conn, &row)?
            .into_iter()
            .find(|a| a.id == new_id)
            .ok_or(ServiceError::NotFound("achievement"))
    })
    .await
}

/// An achievement's attachment, for those who see the studio: (name, type, bytes).
pub async fn attachment(
    core: &Core,
    actor: &Actor,
    id: String,
    achievement: i64,
) -> Result<(String, String, Vec<u8>), ServiceError> {
    let actor = actor.clone();
    core.run(move |conn, _| {
        let row = visible(conn, &actor, &id)?;
        /// The stored file, when there is one.
        #[derive(Queryable)]
        struct FileRow {
            name: Option<String>,
            kind: Option<String>,
            bytes: Option<Vec<u8>>,
        }
        let file: Option<FileRow> = studio_achievements::table
            .filter(studio_achievements::id.eq(achievement))
            .filter(studio_achievements::studio_id.eq(row.id))
            .select((
                studio_achievements::attachment_name,
                studio_achievements::attachment_type,
                studio_achievements::attachment,
            ))
            .first(conn)
            .optional()?;
        match file {
            Some(FileRow {
                name: Some(name),
                kind: Some(kind),
                bytes: Some(bytes),
            }) => Ok((name, kind, bytes)),
            _ => Err(ServiceError::NotFound("attachment")),
        }
    })
    .await
}

/// The leader's recruiting search: women of the host's subtree who consent to studios
/// seeing their skills, at `min_level` or above in `skill`, highest first.
pub async fn candidates(
    core: &Core,
    actor: &Actor,
    id: String,
    skill: String,
    min_level: Option<i32>,
) -> Result<Vec<CandidateView>, ServiceError> {
    let actor = actor.clone();
    core.run(move |conn, _| {
        let row = managed(conn, &actor, &id)?;
        let framework = skills::framework(conn)?;
        let skill = framework
            .iter()
            .find(|s| s.code == skill.trim())
            .cloned()
            .ok_or(DomainError::Skill)?;
        let min = min_level.unwrap_or(1);
        if min < 1 || min as usize > skill.levels.len() {
            return Err(DomainError::SkillLevel.into());
        }
        let upper = orgs::subtree_upper_bound(&row.org_path);
        let records: Vec<(i64, String, String, String, String, i32)> = skill_records::table
            .inner_join(users::table.on(users::id.eq(skill_records::user_id)))
            .inner_join(orgs_t::table.on(orgs_t::id.eq(users::org_id)))
            .inner_join(consents::table.on(consents::user_id.eq(skill_records::user_id)))
            .filter(skill_records::skill_id.eq(skill.id))
            .filter(skill_records::withdrawn_at.is_null())
            .filter(skill_records::level.ge(min))
            .filter(consents::skills_visible.eq(true))
            .filter(users::gender.eq(Gender::Female))
            .filter(users::disabled.eq(false))
            .filter(orgs_t::path.ge(&row.org_path))
            .filter(orgs_t::path.lt(&upper))
            .select((
                users::id,
                users::public_id,
                users::name,
                orgs_t::code,
                orgs_t::name,
                skill_records::level,
            ))
            .load(conn)?;
        // Her highest qualifying level, once per woman.
        let mut best: HashMap<i64, (String, String, String, String, i32)> = HashMap::new();
        for (id, public_id, name, org, org_name, level) in records {
            let entry = best
                .entry(id)
                .or_insert((public_id, name, org, org_name, level));
            entry.4 = entry.4.max(level);
        }
        let rows: Vec<(i64, String, String, String, String, i32)> = best
            .into_iter()
            .map(|(id, (p, n, o, on, l))| (id, p, n, o, on, l))
            .take(500)
            .collect();
        let mut out = Vec::new();
        for (user_id, public_id, name, org, org_name, level) in rows {
            out.push(CandidateView {
                status: standing(conn, row.id, user_id)?.map(|s| s.as_str().into()),
                user: public_id,
                name,
                org,
                org_name,
                level_name: skill.level_name(level),
                level,
            });
        }
        out.sort_by(|a, b| b.level.cmp(&a.level).then(a.name.cmp(&b.name)));
        Ok(out)
    })
    .await
}

/// Studios in the subtree at `path`, for the dashboard.
pub(crate) fn count_in(conn: &mut DbConn, path: &str) -> QueryResult<i64> {
    let upper = orgs::subtree_upper_bound(path);
    studios::table
        .inner_join(orgs_t::table)
        .filter(orgs_t::path.ge(path))
        .filter(orgs_t::path.lt(upper))
        .count()
        .get_result(conn)
}

/// The names of the studios each of `users` belongs to.
pub(crate) fn studios_of(
    conn: &mut DbConn,
    users: &[i64],
) -> QueryResult<HashMap<i64, Vec<String>>> {
    let mut out: HashMap<i64, Vec<String>> = HashMap::new();
    for chunk in users.chunks(1000) {
        let rows: Vec<(i64, String)> = studio_members::table
            .inner_join(studios::table)
            .filter(studio_members::user_id.eq_any(chunk))
            .filter(studio_members::status.eq(MemberStatus::Member))
            .select((studio_members::user_id, studios::name))
            .load(conn)?;
        for (user, name) in rows {
            out.entry(user).or_default().push(name);
        }
    }
    Ok(out)
}

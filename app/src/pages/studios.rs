//! 创新工作室: the innovation studios she reaches, each with its host, leader, focus skills
//! and figures; for administrators the registration form. A studio's page: her own standing
//! (ask to join, accept or decline an invitation, withdraw, leave), the members with their
//! levels in the studio's skills (only where they consent), and for its managers the
//! requests and invitations, an invitation by user id, the recruiting search and the
//! achievement form. Plain forms and links throughout, so it all works without JavaScript.

use leptos::prelude::*;
use leptos::server_fn::ServerFn;
use leptos_router::hooks::{use_params_map, use_query_map};
use qihang_core::dto::{
    AchievementView, CandidateView, ErrorCode, LevelView, SkillDef, SkillRef, StudioMemberView,
    StudioView,
};

use super::FlashMessage;
use crate::app::{use_lang, Layout};
use crate::errors::AppError;
use crate::i18n::{error_message, Lang, Texts};
use crate::request::{take_flash, Flash};
use crate::studio_fns::{
    my_studios, studio_candidates, studio_detail, studio_path, AddStudioMember, CreateStudio,
    JoinStudio, LeaveStudio, StudioData, StudiosData,
};

/// A page's data could not be had: to the login when signed out, else the error.
fn failed(lang: Lang, code: ErrorCode) -> AnyView {
    if code == ErrorCode::Unauthenticated {
        crate::request::redirect_to_login();
        let t = lang.t();
        return view! { <p><a href="/login">{t.nav_login}</a></p> }.into_any();
    }
    super::error_view(lang, code)
}

/// The error of `field` after a refused form, shown beside it.
fn field_error(lang: Lang, flash: Option<&Flash>, field: &str) -> Option<AnyView> {
    let f = flash.filter(|f| !f.ok)?;
    let hit = f.field.as_deref() == Some(field) || f.fields.iter().any(|x| x == field);
    hit.then(|| {
        let code = f.code.unwrap_or(ErrorCode::Invalid);
        view! {
            <small class="field-error" role="alert" data-field=field.to_string()>{error_message(lang, code, Some(field))}</small>
        }
        .into_any()
    })
}

/// A skill's name in the page's language.
fn skill_name(lang: Lang, s: &SkillRef) -> String {
    lang.pick(&s.name, Some(s.name_en.as_str())).to_string()
}

/// "数据分析、数字办公".
fn skill_names(lang: Lang, skills: &[SkillRef]) -> String {
    skills
        .iter()
        .map(|s| skill_name(lang, s))
        .collect::<Vec<_>>()
        .join("、")
}

/// "数据分析 2级 中级".
pub fn level_line(t: &'static Texts, l: &LevelView) -> String {
    t.st_level
        .replace("{skill}", &l.name)
        .replace("{level}", &l.level.to_string())
        .replace("{name}", &l.level_name)
}

/// "成员 5 人 · 完成课程 12 门次 · 成果 3 项".
fn figures(t: &'static Texts, s: &StudioView) -> String {
    t.st_figures
        .replace("{members}", &s.members.to_string())
        .replace("{completions}", &s.completions.to_string())
        .replace("{achievements}", &s.achievements.to_string())
}

/// Her standing with a studio as a badge: 你已加入 / 已申请 / 已受邀.
fn badge(t: &'static Texts, s: &StudioView) -> Option<impl IntoView> {
    let text = match s.my_status.as_deref()? {
        "member" => t.st_badge_member,
        "requested" => t.st_badge_requested,
        "invited" => t.st_badge_invited,
        _ => return None,
    };
    Some(view! { <span class="tag" data-status=s.my_status.clone()>{text}</span> })
}

// ---------------------------------------------------------------------------------------------
// The list

/// `/studios`: the studios she reaches and, for administrators, the registration form.
#[component]
pub fn StudiosPage() -> impl IntoView {
    let lang = use_lang();
    let t = lang.t();
    let flash = take_flash("studio");
    view! {
        <Layout title=t.st_title>
            <Suspense fallback=|| ()>
                {Suspend::new(async move {
                    let data = match my_studios().await {
                        Ok(Some(data)) => data,
                        Ok(None) => {
                            crate::request::redirect_to_login();
                            return view! { <p><a href="/login">{t.nav_login}</a></p> }.into_any();
                        }
                        Err(e) => return failed(lang, e.code),
                    };
                    view! {
                        <h1>{t.st_title}</h1>
                        <p class="muted">{t.st_intro}</p>
                        {counts(t, &data)}
                        {studio_list(t, lang, &data)}
                        {data.admin_org.clone().map(|org| studio_form(t, lang, &data.skills, org, flash.clone()))}
                    }
                    .into_any()
                })}
            </Suspense>
        </Layout>
    }
}

/// "你可以看到的工作室：N 个", and for administrators the count against the goal.
fn counts(t: &'static Texts, data: &StudiosData) -> impl IntoView {
    let n = data.studios.len().to_string();
    let goal = data.goal.to_string();
    let admin = data.admin_org.is_some().then(|| {
        view! {
            <p id="studio-goal">{t.st_goal_admin.replace("{n}", &n).replace("{goal}", &goal)}</p>
        }
    });
    view! {
        <p id="studio-count">{t.st_count_visible.replace("{n}", &n)}</p>
        {admin}
    }
}

fn studio_list(t: &'static Texts, lang: Lang, data: &StudiosData) -> AnyView {
    if data.studios.is_empty() {
        let next = if data.admin_org.is_some() {
            view! { <p><a class="button primary" href="#studio-form">{t.st_form_title}</a></p> }
                .into_any()
        } else {
            view! { <p><a class="button primary" href="/courses">{t.nav_courses}</a></p> }
                .into_any()
        };
        let text = if data.admin_org.is_some() {
            t.st_none_admin
        } else {
            t.st_none
        };
        return view! {
            <div class="notice" id="studio-list">
                <p id="studios-none">{text}</p>
                {next}
            </div>
        }
        .into_any();
    }
    let items = data
        .studios
        .iter()
        .map(|s| studio_card(t, lang, s))
        .collect_view();
    view! { <ul class="plain studios" id="studio-list">{items}</ul> }.into_any()
}

/// One studio as a card: its name (a link to its page), host, leader, skills, figures and
/// her standing.
fn studio_card(t: &'static Texts, lang: Lang, s: &StudioView) -> impl IntoView {
    view! {
        <li class="course-card studio-card" id=format!("studio-{}", s.id) data-studio=s.id.clone()>
            <strong><a href=studio_path(&s.id)>{s.name.clone()}</a></strong>
            {badge(t, s)}
            <span class="meta">{t.st_host}{t.colon}{s.org_name.clone()}</span>
            <span class="meta">{t.st_leader}{t.colon}{s.leader.name.clone()}</span>
            {(!s.skills.is_empty()).then(|| view! {
                <span class="skills">{t.st_skills}{t.colon}{skill_names(lang, &s.skills)}</span>
            })}
            <span class="meta figures">{figures(t, s)}</span>
        </li>
    }
}

/// "登记创新工作室" (administrators): name, host union (her own, prefilled), the leader's user
/// id, focus skills and a description. After a refusal it shows what was typed and marks
/// the field at fault.
fn studio_form(
    t: &'static Texts,
    lang: Lang,
    skills: &[SkillDef],
    org: String,
    flash: Option<Flash>,
) -> impl IntoView {
    let failed = flash.clone().filter(|f| !f.ok);
    let typed = |name: &str, default: String| failed.as_ref().map_or(default, |f| f.value(name));
    let name = typed("name", String::new());
    let org = typed("org", org);
    let leader = typed("leader", String::new());
    let description = typed("description", String::new());
    let chosen: Vec<String> = failed
        .as_ref()
        .map(|f| {
            f.value("skills")
                .split(',')
                .filter(|s| !s.is_empty())
                .map(str::to_string)
                .collect()
        })
        .unwrap_or_default();
    let err = |field: &str| field_error(lang, failed.as_ref(), field);
    let choices = skills
        .iter()
        .map(|s| {
            let id = format!("studio-skill-{}", s.skill);
            let label_for = id.clone();
            let ticked = chosen.contains(&s.skill);
            view! {
                <label class="check skill-choice" for=label_for>
                    <input type="checkbox" name="skills[]" id=id value=s.skill.clone() checked=ticked/>
                    {lang.pick(&s.name, Some(s.name_en.as_str())).to_string()}
                </label>
            }
        })
        .collect_view();
    // Field errors are shown beside their fields; anything else above the form.
    let general = failed.clone().filter(|f| {
        !matches!(
            f.field.as_deref(),
            Some("name" | "title" | "org" | "leader" | "skills" | "skill" | "description")
        )
    });
    view! {
        <section id="studio-form">
            <h2>{t.st_form_title}</h2>
            <p class="muted">{t.st_form_intro}</p>
            <FlashMessage flash=general lang=lang/>
            <form method="post" action=CreateStudio::url() class="stack" id="studio-create-form">
                <label for="studio-name">{t.st_field_name}</label>
                <input id="studio-name" name="name" required=true maxlength="100" value=name/>
                {err("name")}
                {err("title")}
                <label for="studio-org">{t.st_field_org}</label>
                <input id="studio-org" name="org" required=true value=org aria-describedby="studio-org-hint"/>
                <small id="studio-org-hint">{t.st_field_org_hint}</small>
                {err("org")}
                <label for="studio-leader">{t.st_field_leader}</label>
                <input id="studio-leader" name="leader" required=true value=leader
                    autocomplete="off" aria-describedby="studio-leader-hint"/>
                <small id="studio-leader-hint">{t.st_field_leader_hint}</small>
                {err("leader")}
                <fieldset class="skill-choices" id="studio-skills">
                    <legend>{t.st_field_skills}</legend>
                    {choices}
                </fieldset>
                {err("skills")}
                {err("skill")}
                <label for="studio-description">{t.st_field_description}</label>
                <textarea id="studio-description" name="description" rows="4" maxlength="2000">{description}</textarea>
                {err("description")}
                <button type="submit" class="primary">{t.st_form_submit}</button>
            </form>
        </section>
    }
}

// ---------------------------------------------------------------------------------------------
// One studio

/// The one-shot messages a studio page may show.
#[derive(Clone)]
struct StudioFlashes {
    created: Option<Flash>,
    membership: Option<Flash>,
    member: Option<Flash>,
    achievement: Option<Flash>,
}

/// The recruiting search as asked in the query string.
#[derive(Clone)]
struct Search {
    skill: String,
    min_level: Option<i32>,
}

/// `/studios/:id`.
#[component]
pub fn StudioPage() -> impl IntoView {
    let lang = use_lang();
    let t = lang.t();
    let id = use_params_map()
        .get_untracked()
        .get("id")
        .unwrap_or_default();
    let query = use_query_map().get_untracked();
    let search = Search {
        skill: query.get("skill").unwrap_or_default().trim().to_string(),
        min_level: query
            .get("min_level")
            .and_then(|v| v.trim().parse::<i32>().ok()),
    };
    let flashes = StudioFlashes {
        created: take_flash("studio"),
        membership: take_flash("membership"),
        member: take_flash("member"),
        achievement: take_flash("achievement"),
    };
    view! {
        <Layout title=t.st_title>
            <p class="crumbs"><a href="/studios">{t.st_back_list}</a></p>
            <Suspense fallback=|| ()>
                {Suspend::new(async move {
                    let data = match studio_detail(id.clone()).await {
                        Ok(data) => data,
                        Err(e) => return failed(lang, e.code),
                    };
                    let candidates = if data.page.studio.may_manage && !search.skill.is_empty() {
                        Some(studio_candidates(id.clone(), search.skill.clone(), search.min_level).await)
                    } else {
                        None
                    };
                    studio_view(t, lang, &data, &search, candidates, flashes.clone()).into_any()
                })}
            </Suspense>
        </Layout>
    }
}

fn studio_view(
    t: &'static Texts,
    lang: Lang,
    data: &StudioData,
    search: &Search,
    candidates: Option<Result<Vec<CandidateView>, AppError>>,
    flashes: StudioFlashes,
) -> impl IntoView {
    let s = &data.page.studio;
    let manage = s
        .may_manage
        .then(|| manage_section(t, lang, data, search, candidates, flashes.member.clone()));
    view! {
        <FlashMessage flash=flashes.created.clone() lang=lang ok_text=t.st_created/>
        {studio_header(t, lang, s)}
        {standing(t, lang, data, flashes.membership.clone())}
        {members(t, data)}
        {manage}
        {achievements(t, lang, data, flashes.achievement.clone())}
        <p class="actions"><a class="button" href="/studios">{t.st_back_list}</a></p>
    }
}

fn studio_header(t: &'static Texts, lang: Lang, s: &StudioView) -> impl IntoView {
    view! {
        <h1 id="studio-name">{s.name.clone()}{badge(t, s)}</h1>
        <dl class="facts" id="studio-facts">
            <dt>{t.st_host}</dt><dd id="studio-host">{s.org_name.clone()}</dd>
            <dt>{t.st_leader}</dt><dd id="studio-leader">{s.leader.name.clone()}</dd>
            <dt>{t.st_skills}</dt><dd id="studio-skills">{skill_names(lang, &s.skills)}</dd>
            <dt>{t.st_created_on}</dt><dd>{s.created_on.clone()}</dd>
        </dl>
        <p class="figures" id="studio-figures">{figures(t, s)}</p>
        {(!s.description.trim().is_empty()).then(|| view! {
            <p class="studio-description" id="studio-description">{s.description.clone()}</p>
        })}
    }
}

/// A button posting the studio's id (and maybe her standing before) to `action`.
fn studio_button(
    action: &'static str,
    id: &str,
    was: Option<&str>,
    label: &'static str,
    class: &'static str,
    button_id: &'static str,
) -> impl IntoView {
    view! {
        <form method="post" action=action class="inline">
            <input type="hidden" name="id" value=id.to_string()/>
            {was.map(|w| view! { <input type="hidden" name="was" value=w.to_string()/> })}
            <button type="submit" class=class id=button_id>{label}</button>
        </form>
    }
}

/// What her membership form came to, in words.
fn membership_text(t: &'static Texts, flash: Option<&Flash>) -> &'static str {
    match flash.map(|f| f.value("done")).as_deref() {
        Some("requested") => t.st_done_requested,
        Some("declined") => t.st_done_declined,
        Some("withdrawn") => t.st_done_withdrawn,
        Some("left") => t.st_done_left,
        _ => t.st_done_joined,
    }
}

/// Her own standing and its buttons: ask to join; accept or decline an invitation; withdraw
/// a request; leave (not the leader).
fn standing(
    t: &'static Texts,
    lang: Lang,
    data: &StudioData,
    flash: Option<Flash>,
) -> impl IntoView {
    let s = &data.page.studio;
    let id = s.id.as_str();
    let is_leader = s.leader.id == data.me;
    let body = match s.my_status.as_deref() {
        Some("member") if is_leader => view! { <p>{t.st_is_leader}</p> }.into_any(),
        Some("member") => view! {
            <p>{t.st_is_member}</p>
            <p class="actions">{studio_button(LeaveStudio::url(), id, Some("member"), t.st_leave, "", "studio-leave")}</p>
        }
        .into_any(),
        Some("invited") => view! {
            <p>{t.st_invited}</p>
            <p class="actions">
                {studio_button(JoinStudio::url(), id, None, t.st_accept, "primary", "studio-accept")}
                {studio_button(LeaveStudio::url(), id, Some("invited"), t.st_decline, "", "studio-decline")}
            </p>
        }
        .into_any(),
        Some("requested") => view! {
            <p class="state" id="studio-requested">{t.st_requested}</p>
            <p class="actions">{studio_button(LeaveStudio::url(), id, Some("requested"), t.st_withdraw, "", "studio-withdraw")}</p>
        }
        .into_any(),
        // A manager who is not a member (an administrator of the host) invites herself if
        // she wants to join; the button would only be refused for one outside the host.
        _ if s.may_manage => ().into_any(),
        _ => view! {
            <p class="actions">{studio_button(JoinStudio::url(), id, None, t.st_join, "primary", "studio-join")}</p>
            <p class="muted">{t.st_join_hint}</p>
        }
        .into_any(),
    };
    let ok_text = membership_text(t, flash.as_ref());
    view! {
        <section id="my-standing">
            <FlashMessage flash=flash lang=lang ok_text=ok_text/>
            {body}
        </section>
    }
}

/// "数据分析 2级 中级、数字办公 1级 初级", or why there is nothing to show.
fn member_levels(t: &'static Texts, m: &StudioMemberView) -> String {
    match &m.levels {
        None => t.st_levels_hidden.to_string(),
        Some(levels) if levels.is_empty() => t.st_no_levels.to_string(),
        Some(levels) => levels
            .iter()
            .map(|l| level_line(t, l))
            .collect::<Vec<_>>()
            .join("、"),
    }
}

/// The members (for its managers and members), each with her levels in the studio's skills
/// and her completed courses.
fn members(t: &'static Texts, data: &StudioData) -> impl IntoView {
    let s = &data.page.studio;
    let insider = s.may_manage || s.my_status.as_deref() == Some("member");
    if !insider {
        return view! {
            <section id="studio-members-section">
                <h2>{t.st_members}</h2>
                <p class="muted" id="studio-members-hidden">{t.st_members_hidden}</p>
            </section>
        }
        .into_any();
    }
    let leader = s.leader.id.clone();
    let items = data
        .page
        .members
        .iter()
        .map(|m| {
            let tag = (m.user == leader).then(|| view! { <span class="tag">{t.st_leader_tag}</span> });
            view! {
                <li class="member" data-user=m.user.clone()>
                    <strong>{m.name.clone()}</strong>" "{tag}
                    <span class="meta">" · "{m.org_name.clone()}</span>
                    <br/>
                    <span class="levels" class:muted=m.levels.is_none()>{member_levels(t, m)}</span>
                    <span class="meta">" · "{t.st_completions.replace("{n}", &m.completions.to_string())}</span>
                </li>
            }
        })
        .collect_view();
    view! {
        <section id="studio-members-section">
            <h2>{t.st_members}</h2>
            <ul class="plain members" id="studio-members">{items}</ul>
        </section>
    }
    .into_any()
}

/// A button inviting (or approving) `user`, back to `back`.
fn add_button(
    id: &str,
    user: &str,
    back: &str,
    from: &'static str,
    label: &'static str,
) -> impl IntoView {
    view! {
        <form method="post" action=AddStudioMember::url() class="inline">
            <input type="hidden" name="id" value=id.to_string()/>
            <input type="hidden" name="user" value=user.to_string()/>
            <input type="hidden" name="back" value=back.to_string()/>
            <input type="hidden" name="from" value=from/>
            <button type="submit" class="primary">{label}</button>
        </form>
    }
}

/// What an invitation or approval came to, in words.
fn member_text(t: &'static Texts, flash: Option<&Flash>) -> &'static str {
    match flash.map(|f| f.value("done")).as_deref() {
        Some("approved") => t.st_done_approved,
        _ => t.st_done_invited,
    }
}

/// The managers' part: requests and invitations, an invitation by user id, the recruiting
/// search and its results.
fn manage_section(
    t: &'static Texts,
    lang: Lang,
    data: &StudioData,
    search: &Search,
    candidates: Option<Result<Vec<CandidateView>, AppError>>,
    flash: Option<Flash>,
) -> impl IntoView {
    let s = &data.page.studio;
    let page = studio_path(&s.id);
    let from_search = flash
        .as_ref()
        .is_some_and(|f| f.value("from") == "candidates");
    let ok_text = member_text(t, flash.as_ref());
    let (top_flash, search_flash) = if from_search {
        (None, flash)
    } else {
        (flash, None)
    };
    let typed_user = top_flash
        .as_ref()
        .filter(|f| !f.ok)
        .map(|f| f.value("user"))
        .unwrap_or_default();
    let back_here = format!("{page}#studio-manage");
    let pending = if data.page.pending.is_empty() {
        view! { <p class="muted" id="studio-pending">{t.st_pending_none}</p> }.into_any()
    } else {
        let items = data
            .page
            .pending
            .iter()
            .map(|m| {
                let action = if m.status == "requested" {
                    view! {
                        <span class="state">{t.st_status_requested}</span>
                        {add_button(&s.id, &m.user, &back_here, "", t.st_approve)}
                    }
                    .into_any()
                } else {
                    view! { <span class="tag">{t.st_status_invited}</span> }.into_any()
                };
                view! {
                    <li class="member" data-user=m.user.clone() data-status=m.status.clone()>
                        <strong>{m.name.clone()}</strong>
                        <span class="meta">" · "{m.org_name.clone()}" · "{m.since.clone()}</span>
                        <span class="actions">{action}</span>
                    </li>
                }
            })
            .collect_view();
        view! { <ul class="plain members" id="studio-pending">{items}</ul> }.into_any()
    };
    view! {
        <section id="studio-manage">
            <h2>{t.st_manage}</h2>
            <FlashMessage flash=top_flash lang=lang ok_text=ok_text/>
            <h3>{t.st_pending}</h3>
            {pending}
            <h3>{t.st_invite_title}</h3>
            <form method="post" action=AddStudioMember::url() class="stack" id="member-form">
                <input type="hidden" name="id" value=s.id.clone()/>
                <input type="hidden" name="back" value=back_here.clone()/>
                <label for="member-user">{t.st_invite_field}</label>
                <input id="member-user" name="user" required=true autocomplete="off" value=typed_user
                    aria-describedby="member-user-hint"/>
                <small id="member-user-hint">{t.st_invite_hint}</small>
                <button type="submit" class="primary">{t.st_invite}</button>
            </form>
            {candidate_search(t, lang, data, search, candidates, search_flash, ok_text)}
        </section>
    }
}

/// The recruiting search (a GET form on this page: `skill`, `min_level`) and its results,
/// each with an invite button that comes back to the same results.
fn candidate_search(
    t: &'static Texts,
    lang: Lang,
    data: &StudioData,
    search: &Search,
    candidates: Option<Result<Vec<CandidateView>, AppError>>,
    flash: Option<Flash>,
    ok_text: &'static str,
) -> impl IntoView {
    let s = &data.page.studio;
    let page = studio_path(&s.id);
    // The studio's own skills first; every skill when it names none.
    let offered: Vec<&SkillDef> = if s.skills.is_empty() {
        data.skills.iter().collect()
    } else {
        data.skills
            .iter()
            .filter(|d| s.skills.iter().any(|r| r.skill == d.skill))
            .collect()
    };
    let chosen = offered
        .iter()
        .find(|d| d.skill == search.skill)
        .or(offered.first())
        .copied();
    let skill_options = offered
        .iter()
        .map(|d| {
            let selected = d.skill == search.skill;
            view! {
                <option value=d.skill.clone() selected=selected>
                    {lang.pick(&d.name, Some(d.name_en.as_str())).to_string()}
                </option>
            }
        })
        .collect_view();
    let level_names: Vec<String> = chosen.map(|d| d.levels.clone()).unwrap_or_default();
    let level_options = level_names
        .iter()
        .enumerate()
        .map(|(i, name)| {
            let n = i as i32 + 1;
            let selected = search.min_level == Some(n);
            view! {
                <option value=n.to_string() selected=selected>
                    {t.st_min_level_option.replace("{n}", &n.to_string()).replace("{name}", name)}
                </option>
            }
        })
        .collect_view();
    let back = format!(
        "{page}?skill={}&min_level={}#candidates",
        crate::islands::encode_component(&search.skill),
        search.min_level.unwrap_or(1)
    );
    let results = candidates.map(|found| match found {
        Err(e) => view! {
            <p class="notice error" id="candidates" data-code=e.code.as_str()>
                {error_message(lang, e.code, e.field.as_deref())}
            </p>
        }
        .into_any(),
        Ok(list) if list.is_empty() => {
            view! { <p class="notice" id="candidates">{t.st_candidates_none}</p> }.into_any()
        }
        Ok(list) => {
            let items = list
                .iter()
                .map(|c| {
                    let action = match c.status.as_deref() {
                        Some("member") => {
                            view! { <span class="tag">{t.st_status_member}</span> }.into_any()
                        }
                        Some("invited") => {
                            view! { <span class="tag">{t.st_status_invited}</span> }.into_any()
                        }
                        Some("requested") => {
                            add_button(&s.id, &c.user, &back, "candidates", t.st_approve)
                                .into_any()
                        }
                        _ => add_button(&s.id, &c.user, &back, "candidates", t.st_invite)
                            .into_any(),
                    };
                    let level = t
                        .st_level
                        .replace("{skill}", "")
                        .replace("{level}", &c.level.to_string())
                        .replace("{name}", &c.level_name);
                    view! {
                        <li class="member candidate" data-user=c.user.clone()>
                            <strong>{c.name.clone()}</strong>
                            <span class="meta">" · "{c.org_name.clone()}" · "{level.trim().to_string()}</span>
                            <span class="actions">{action}</span>
                        </li>
                    }
                })
                .collect_view();
            view! { <ul class="plain members" id="candidates">{items}</ul> }.into_any()
        }
    });
    view! {
        <h3>{t.st_search_title}</h3>
        <p class="muted">{t.st_search_explain}</p>
        <form method="get" action=format!("{page}#candidates") class="stack" id="candidate-search">
            <label for="candidate-skill">{t.st_search_skill}</label>
            <select id="candidate-skill" name="skill" required=true>{skill_options}</select>
            <label for="candidate-level">{t.st_search_min_level}</label>
            <select id="candidate-level" name="min_level">{level_options}</select>
            <button type="submit">{t.st_search_submit}</button>
        </form>
        <FlashMessage flash=flash lang=lang ok_text=ok_text/>
        {results}
    }
}

/// An achievement's kind in words.
fn kind_name(t: &'static Texts, kind: &str) -> &'static str {
    match kind {
        "patent" => t.st_kind_patent,
        "technique" => t.st_kind_technique,
        "wuxiao" => t.st_kind_wuxiao,
        "zhuqi" => t.st_kind_zhuqi,
        _ => t.st_kind_other,
    }
}

fn achievement_item(t: &'static Texts, a: &AchievementView) -> impl IntoView {
    let attachment = a.attachment_url.clone().map(|url| {
        let name = a.attachment_name.clone().unwrap_or_default();
        view! { <a href=url class="attachment">{t.st_attachment.replace("{name}", &name)}</a> }
    });
    view! {
        <li class="course-card achievement" data-kind=a.kind.clone()>
            <span class="meta">{a.date.clone()}" · "{kind_name(t, &a.kind)}</span>
            <strong>{a.title.clone()}</strong>
            {(!a.description.trim().is_empty()).then(|| view! { <span class="summary">{a.description.clone()}</span> })}
            {attachment}
        </li>
    }
}

/// The achievements, newest first, and for its managers the form adding one (a multipart
/// post to the server crate's `/studios/{id}/achievements`, as it may carry a file).
fn achievements(
    t: &'static Texts,
    lang: Lang,
    data: &StudioData,
    flash: Option<Flash>,
) -> impl IntoView {
    let s = &data.page.studio;
    let list = if data.page.achievements.is_empty() {
        view! { <p class="muted" id="achievements-none">{t.st_achievements_none}</p> }.into_any()
    } else {
        let items = data
            .page
            .achievements
            .iter()
            .map(|a| achievement_item(t, a))
            .collect_view();
        view! { <ul class="plain" id="achievement-list">{items}</ul> }.into_any()
    };
    let form = s
        .may_manage
        .then(|| achievement_form(t, lang, &s.id, flash.clone()));
    // Managers see the outcome with the form; no one else posts it.
    let shown_flash = if s.may_manage { None } else { flash };
    view! {
        <section id="achievements">
            <h2>{t.st_achievements}</h2>
            <FlashMessage flash=shown_flash lang=lang ok_text=t.st_achievement_saved/>
            {list}
            {form}
        </section>
    }
}

fn achievement_form(
    t: &'static Texts,
    lang: Lang,
    id: &str,
    flash: Option<Flash>,
) -> impl IntoView {
    let failed = flash.clone().filter(|f| !f.ok);
    let typed = |name: &str| failed.as_ref().map(|f| f.value(name)).unwrap_or_default();
    let (date, kind, title, description) = (
        typed("date"),
        typed("kind"),
        typed("title"),
        typed("description"),
    );
    let kinds = ["patent", "technique", "wuxiao", "zhuqi", "other"]
        .into_iter()
        .map(|k| {
            let selected = kind == k;
            view! { <option value=k selected=selected>{kind_name(t, k)}</option> }
        })
        .collect_view();
    let err = |field: &str| field_error(lang, failed.as_ref(), field);
    view! {
        <h3 id="achievement-form-title">{t.st_achievement_title}</h3>
        <FlashMessage flash=flash lang=lang ok_text=t.st_achievement_saved/>
        <form method="post" enctype="multipart/form-data" action=format!("{}/achievements", studio_path(id))
            class="stack" id="achievement-form">
            <label for="achievement-date">{t.st_field_date}</label>
            <input id="achievement-date" name="date" type="date" required=true min="2000-01-01" max="2100-12-31" value=date/>
            {err("date")}
            <label for="achievement-kind">{t.st_field_kind}</label>
            <select id="achievement-kind" name="kind" required=true>{kinds}</select>
            {err("kind")}
            <label for="achievement-title">{t.st_field_title}</label>
            <input id="achievement-title" name="title" required=true maxlength="100" value=title/>
            {err("title")}
            <label for="achievement-description">{t.st_field_ach_description}</label>
            <textarea id="achievement-description" name="description" rows="3" maxlength="2000">{description}</textarea>
            {err("description")}
            <label for="achievement-attachment">{t.st_field_attachment}</label>
            <input id="achievement-attachment" name="attachment" type="file" accept=".pdf,.jpg,.jpeg,.png"/>
            {err("attachment")}
            <button type="submit" class="primary">{t.st_achievement_submit}</button>
        </form>
    }
}

//! 我的技能: her skill profile — the highest level per skill, the evidence behind each level
//! (a course, a trainer's confirmation; withdrawn ones shown with why), the course that takes
//! her higher — and her consents per purpose (who may see her skills, the talent pool). Plain
//! forms, so it all works without JavaScript.

use leptos::prelude::*;
use leptos::server_fn::ServerFn;
use qihang_core::dto::{ConsentView, SkillEvidenceView, SkillView};

use super::FlashMessage;
use crate::app::{use_lang, Layout};
use crate::i18n::{Lang, Texts};
use crate::request::{take_flash, Flash};
use crate::server_fns::{my_skills, SetConsents};

#[component]
pub fn SkillsPage() -> impl IntoView {
    let lang = use_lang();
    let t = lang.t();
    let flash = take_flash("consents");
    view! {
        <Layout title=t.sk_title>
            <Suspense fallback=|| ()>
                {Suspend::new(async move {
                    let (profile, consents) = match my_skills().await {
                        Ok(Some(data)) => data,
                        Ok(None) => {
                            crate::request::redirect_to_login();
                            return view! { <p><a href="/login">{t.nav_login}</a></p> }.into_any();
                        }
                        Err(e) => return super::error_view(lang, e.code),
                    };
                    view! {
                        <h1>{t.sk_title}</h1>
                        <p class="muted">{t.sk_intro}</p>
                        {skill_list(t, lang, &profile)}
                        {consent_form(t, lang, &consents, flash.clone())}
                    }
                    .into_any()
                })}
            </Suspense>
        </Layout>
    }
}

fn skill_list(t: &'static Texts, lang: Lang, profile: &[SkillView]) -> AnyView {
    if profile.is_empty() {
        return view! {
            <div class="notice" id="skills-none">
                <p>{t.sk_none}</p>
                <p><a class="button primary" href="/courses">{t.nav_courses}</a></p>
            </div>
        }
        .into_any();
    }
    let items = profile
        .iter()
        .map(|s| view! { <li>{skill_card(t, lang, s)}</li> })
        .collect_view();
    view! { <ul class="plain skills" id="skills">{items}</ul> }.into_any()
}

fn skill_card(t: &'static Texts, lang: Lang, s: &SkillView) -> impl IntoView {
    let level = if s.level > 0 {
        t.sk_level
            .replace("{level}", &s.level.to_string())
            .replace("{name}", &s.level_name)
    } else {
        t.sk_withdrawn_all.to_string()
    };
    let evidence = s
        .evidence
        .iter()
        .map(|e| view! { <li class:withdrawn=e.withdrawn>{evidence_line(t, e)}</li> })
        .collect_view();
    let next = s.next_course.as_ref().map(|c| {
        let title = lang.pick(&c.title, c.title_en.as_deref()).to_string();
        view! {
            <p class="next">{t.sk_next}" "<a href=format!("/courses/{}", crate::request::slug(&c.id))>{title}</a></p>
        }
    });
    view! {
        <div class="course-card skill-card" data-skill=s.skill.clone() data-level=s.level.to_string()>
            <strong>{lang.pick(&s.name, Some(s.name_en.as_str())).to_string()}</strong>
            <span class="state">{level}</span>
            <details>
                <summary>{t.sk_evidence}</summary>
                <ul class="plain evidence">{evidence}</ul>
            </details>
            {next}
        </div>
    }
}

/// "2026-11-27 · 中级 · 完成课程《…》", "… · 李老师确认：…", "（已撤回：…）".
pub(crate) fn evidence_line(t: &'static Texts, e: &SkillEvidenceView) -> String {
    let what = match e.source.as_str() {
        "course" => t.sk_from_course.replace(
            "{course}",
            e.course_title
                .as_deref()
                .unwrap_or(e.course.as_deref().unwrap_or("")),
        ),
        "confirmation" => t
            .sk_from_confirmation
            .replace("{who}", e.confirmed_by.as_deref().unwrap_or(""))
            .replace("{why}", e.reason.as_deref().unwrap_or("")),
        _ => {
            let mut what = t.sk_from_competition.to_string();
            if let Some(title) = &e.competition_title {
                what.push_str(&format!("：{title}"));
            }
            if let Some(award) = &e.award {
                what.push_str(&format!(" {award}"));
            }
            what
        }
    };
    let mut line = format!("{} · {} · {what}", e.recorded_on, e.level_name);
    if e.withdrawn {
        line.push_str(
            &t.sk_withdrawn
                .replace("{why}", e.withdrawn_reason.as_deref().unwrap_or("")),
        );
    }
    line
}

fn consent_form(
    t: &'static Texts,
    lang: Lang,
    consents: &ConsentView,
    flash: Option<Flash>,
) -> impl IntoView {
    view! {
        <section id="consents">
            <h2>{t.sk_consent_title}</h2>
            <p class="muted">{t.sk_consent_intro}</p>
            <FlashMessage flash=flash lang=lang ok_text=t.sk_consent_saved/>
            <form method="post" action=SetConsents::url() class="stack" id="consent-form">
                <label class="check">
                    <input type="checkbox" name="skills_visible" value="true" id="skills-visible" checked=consents.skills_visible/>
                    {t.sk_consent_skills}
                </label>
                <label class="check">
                    <input type="checkbox" name="talent_pool" value="true" id="talent-pool" checked=consents.talent_pool/>
                    {t.sk_consent_pool}
                </label>
                <button type="submit" class="primary">{t.sk_consent_submit}</button>
            </form>
        </section>
    }
}

//! The learner's pages: the catalogue by tier, a course page with enrolment, and the lesson
//! reader (readable before any script runs; plain links and forms throughout).

use leptos::prelude::*;
use leptos::server_fn::ServerFn;
use leptos_meta::Title;
use leptos_router::hooks::{use_params_map, use_query_map};
use qihang_core::dto::{CourseSummary, ErrorCode, PrerequisiteView, SkillLevelView};

use super::FlashMessage;
use crate::app::{use_lang, Layout};
use crate::i18n::{error_message, Lang, Texts};
use crate::request::take_flash;
use crate::server_fns::{
    catalogue, course_detail, lesson_view, recommended_next, EnrollCourse, MarkRead, StartQuiz,
};

/// "数字生活 L1 · 网络安全 L2": the skills a course raises, and to which level, by their
/// English names on an English page where they have them.
fn skills_line(lang: Lang, skills: &[SkillLevelView]) -> String {
    skills
        .iter()
        .map(|s| {
            let zh = if s.name.is_empty() { &s.skill } else { &s.name };
            format!("{} L{}", lang.pick(zh, s.name_en.as_deref()), s.level)
        })
        .collect::<Vec<_>>()
        .join(" · ")
}

/// "🔒 需先完成：智能手机基础与无障碍设置": the prerequisites that still lock a course for
/// her, said in words (the lock is a mark beside them, not the message), or nothing when the
/// course is open to her.
fn locked_line(t: &'static Texts, lang: Lang, locked_by: &[PrerequisiteView]) -> Option<AnyView> {
    if locked_by.is_empty() {
        return None;
    }
    let titles = locked_by
        .iter()
        .map(|p| lang.pick(&p.title, p.title_en.as_deref()))
        .collect::<Vec<_>>()
        .join(t.list_separator);
    Some(
        view! {
            <span class="lock-note"><span aria-hidden="true">"🔒 "</span>{format!("{}{titles}", t.locked_by)}</span>
        }
        .into_any(),
    )
}

/// One course in the catalogue: a link to its page with its title, mode, hours, summary,
/// skills, her progress and what still locks it for her.
fn course_card(t: &'static Texts, lang: Lang, c: CourseSummary) -> impl IntoView {
    let state = if c.completed {
        Some(t.completed)
    } else if c.enrolled {
        Some(t.continue_learning)
    } else {
        None
    };
    let progress = state
        .map(|s| view! { <span class="state">{s}" "{c.lessons_read}"/"{c.lesson_count}</span> });
    let locked = (!c.locked_by.is_empty()).then_some("true");
    view! {
        <a class="course-card" href=format!("/courses/{}", c.id) data-course=c.id.clone() data-locked=locked>
            <strong>{lang.pick(&c.title, c.title_en.as_deref()).to_string()}</strong>
            <span class="meta">
                {t.mode(&c.mode)}" · "{c.hours}" "{t.hours_unit}" · "{c.lesson_count}" "{t.lessons_unit}
            </span>
            <span class="summary">{lang.pick(&c.summary, c.summary_en.as_deref()).to_string()}</span>
            <span class="skills">{skills_line(lang, &c.skills)}</span>
            {progress}
            {locked_line(t, lang, &c.locked_by)}
        </a>
    }
}

/// The catalogue's courses grouped by tier, each group with an anchor (`#tier-1`) to browse to.
fn tier_sections(t: &'static Texts, lang: Lang, courses: &[CourseSummary]) -> impl IntoView {
    (1..=3)
        .filter_map(|tier| {
            let in_tier: Vec<CourseSummary> =
                courses.iter().filter(|c| c.tier == tier).cloned().collect();
            (!in_tier.is_empty()).then(|| {
                view! {
                    <section class=format!("tier-group t{tier}") id=format!("tier-{tier}")>
                        <h2>{t.tier(tier)}</h2>
                        {in_tier.into_iter().map(|c| course_card(t, lang, c)).collect_view()}
                    </section>
                }
            })
        })
        .collect_view()
}

/// What a search found, in words, with the way back to the whole catalogue; when it found
/// nothing, the tiers to browse instead.
fn search_result(t: &'static Texts, q: &str, found: usize) -> AnyView {
    let clear =
        view! { <a class="button small" id="clear-search" href="/courses">{t.search_clear}</a> };
    if found == 0 {
        let tiers = (1..=3)
            .map(|tier| view! { <li><a href=format!("/courses#tier-{tier}")>{t.tier(tier)}</a></li> })
            .collect_view();
        return view! {
            <div class="notice" id="search-result" role="status" data-found="0">
                <p>{t.search_none.replace("{q}", q)}</p>
                <ul class="tier-links" aria-label=t.search_browse_tiers>{tiers}</ul>
                <p>{clear}</p>
            </div>
        }
        .into_any();
    }
    let text = if found == 1 {
        t.search_found_one.replace("{q}", q)
    } else {
        t.search_found_many
            .replace("{n}", &found.to_string())
            .replace("{q}", q)
    };
    view! {
        <p class="search-result" id="search-result" role="status" data-found=found.to_string()>{text}" "{clear}</p>
    }
    .into_any()
}

/// "学习时长约 3 小时 20 分钟（含动手练）": the lessons' minutes added up.
fn study_time(t: &'static Texts, minutes: i32) -> String {
    let (h, m) = (minutes / 60, minutes % 60);
    let time = match (h, m) {
        (0, m) => t.duration_minutes.replace("{m}", &m.to_string()),
        (h, 0) => t.duration_hours.replace("{h}", &h.to_string()),
        (h, m) => t
            .duration_hours_minutes
            .replace("{h}", &h.to_string())
            .replace("{m}", &m.to_string()),
    };
    t.study_time.replace("{time}", &time)
}

/// The course suggested to her next, as a card above the catalogue.
async fn recommended_card(t: &'static Texts, lang: Lang) -> Option<impl IntoView> {
    let c = recommended_next().await.ok().flatten()?;
    Some(view! {
        <section class="recommended">
            <h2>{t.recommended_title}</h2>
            <a class="course-card" id="recommended" href=format!("/courses/{}", c.id)>
                <strong>{lang.pick(&c.title, c.title_en.as_deref()).to_string()}</strong>
                <span class="meta">{t.tier(c.tier)}" · "{t.mode(&c.mode)}" · "{c.hours}" "{t.hours_unit}</span>
                <span class="summary">{lang.pick(&c.summary, c.summary_en.as_deref()).to_string()}</span>
            </a>
        </section>
    })
}

#[component]
pub fn CataloguePage() -> impl IntoView {
    let lang = use_lang();
    let t = lang.t();
    let query = use_query_map().get_untracked();
    let q = query
        .get("q")
        .map(|q| q.trim().to_string())
        .filter(|q| !q.is_empty());
    let welcome = query.get("welcome").is_some();
    let shown_q = q.clone().unwrap_or_default();
    view! {
        <Layout title=t.catalogue_title>
            <h1>{t.catalogue_title}</h1>
            <form method="get" action="/courses" class="search" role="search">
                <label for="q" class="visually-hidden">{t.search_label}</label>
                <input id="q" name="q" type="search" placeholder=t.search_label value=shown_q/>
                <button type="submit">{t.search_submit}</button>
            </form>
            <Suspense fallback=|| ()>
                {Suspend::new(async move {
                    let courses = catalogue(None, q.clone()).await.unwrap_or_default();
                    let Some(q) = q else {
                        let greeting = match welcome {
                            true => crate::server_fns::current_account().await.ok().flatten().map(|a| view! {
                                <p class="notice ok" id="welcome">{t.welcome_new.replace("{name}", &a.user.name)}</p>
                            }),
                            false => None,
                        };
                        if courses.is_empty() {
                            return view! { {greeting}<p class="muted">{t.no_courses}</p> }.into_any();
                        }
                        let next = recommended_card(t, lang).await;
                        return view! { {greeting}{next}{tier_sections(t, lang, &courses)} }.into_any();
                    };
                    view! { {search_result(t, &q, courses.len())}{tier_sections(t, lang, &courses)} }.into_any()
                })}
            </Suspense>
        </Layout>
    }
}

#[component]
pub fn CoursePage() -> impl IntoView {
    let lang = use_lang();
    let t = lang.t();
    let flash = take_flash("course");
    let signup_flash = take_flash("class_signup");
    let id = use_params_map()
        .get_untracked()
        .get("id")
        .unwrap_or_default();
    view! {
        <Layout title=t.catalogue_title>
            <FlashMessage flash=flash lang=lang ok_text=t.enrolled_ok/>
            <Suspense fallback=|| ()>
                {Suspend::new(async move {
                    let account = crate::server_fns::current_account().await.ok().flatten();
                    let signed_in = account.is_some();
                    let union = account
                        .map(|a| lang.pick(&a.user.org.name, a.user.org.name_en.as_deref()).to_string())
                        .unwrap_or_default();
                    let detail = match course_detail(id).await {
                        Ok(detail) => detail,
                        Err(e) => return super::error_view(lang, e.code),
                    };
                    let c = detail.course.clone();
                    let first_unread = detail.lessons.iter().find(|l| !l.read).or(detail.lessons.first()).map(|l| l.id.clone());
                    let all_read = !detail.lessons.is_empty() && detail.lessons.iter().all(|l| l.read);
                    let first_locked = c.locked_by.iter().find(|p| !p.completed).cloned();
                    let action = if c.enrolled {
                        // Once every lesson is read, the quiz (below) is what comes next.
                        let label = if c.completed || all_read { t.review_lessons } else { t.continue_learning };
                        first_unread.map(|lesson| view! {
                            <a class="button primary" id="continue-learning" href=format!("/courses/{}/lessons/{lesson}", c.id)>{label}</a>
                        }.into_any())
                    } else if let Some(p) = first_locked {
                        // Locked by a prerequisite: the way on is that course, not a refused enrolment.
                        let title = lang.pick(&p.title, p.title_en.as_deref()).to_string();
                        Some(view! {
                            <a class="button primary" id="take-prerequisite" href=format!("/courses/{}", crate::request::slug(&p.id))>
                                {t.first_learn_prerequisite.replace("{title}", &title)}
                            </a>
                        }.into_any())
                    } else if signed_in {
                        Some(view! {
                            <form method="post" action=EnrollCourse::url() id="enrol-form">
                                <input type="hidden" name="id" value=c.id.clone()/>
                                <button type="submit" class="primary">{t.enrol}</button>
                            </form>
                        }.into_any())
                    } else {
                        Some(view! { <a class="button primary" href="/login">{t.sign_in_to_enrol}</a> }.into_any())
                    };
                    let rules = {
                        let mut rules = Vec::new();
                        if detail.completion.lessons { rules.push(t.rule_lessons); }
                        if detail.completion.quiz { rules.push(t.rule_quiz); }
                        if detail.completion.attendance { rules.push(t.rule_attendance); }
                        rules
                    };
                    let quiz = detail.quiz.clone().map(|q| {
                        let attempts = if q.max_attempts == 0 { t.unlimited.to_string() } else { q.max_attempts.to_string() };
                        let mine = detail.my_quiz.as_ref().map(|m| {
                            let best = m.best_score.map(|b| format!(" · {}", t.best_score_line.replace("{n}", &b.to_string()))).unwrap_or_default();
                            view! { <p id="quiz-standing">{super::quiz::standing_line(m, t)}{best}</p> }
                        });
                        let limit = (q.time_limit_minutes > 0).then(|| format!(" · {}", t.time_limit_line.replace("{n}", &q.time_limit_minutes.to_string())));
                        view! { <p class="muted" id="quiz-rules">{t.quiz_rules}" "{q.draw}" · "{t.pass_mark}" "{q.pass_mark}" · "{t.attempts}" "{attempts}{limit}</p>{mine} }
                    });
                    let prerequisites = (!detail.prerequisites.is_empty()).then(|| view! {
                        <h2>{t.prerequisites_title}</h2>
                        <ul class="plain">
                            {detail.prerequisites.iter().map(|p| view! {
                                <li><a href=format!("/courses/{}", p.id)>{lang.pick(&p.title, p.title_en.as_deref()).to_string()}</a>
                                    {p.completed.then(|| view! { " ✓ " {t.completed} })}</li>
                            }).collect_view()}
                        </ul>
                    });
                    let course_id = c.id.clone();
                    let lessons = detail.lessons.iter().map(|l| {
                        let href = c.enrolled.then(|| format!("/courses/{course_id}/lessons/{}", l.id));
                        view! {
                            <li class:read=l.read>
                                {match href {
                                    Some(href) => view! { <a href=href>{l.title.clone()}</a> }.into_any(),
                                    None => view! { <span>{l.title.clone()}</span> }.into_any(),
                                }}
                                <small>" · "{l.minutes}" "{t.minutes_unit}</small>
                                {l.read.then(|| view! { <span class="state">" ✓ "{t.read_mark}</span> })}
                            </li>
                        }
                    }).collect_view();
                    view! {
                        <Title text=format!("{} · {}", lang.pick(&c.title, c.title_en.as_deref()), t.app_name)/>
                        <p class="crumbs"><a href="/courses">{t.catalogue_title}</a>" › "{t.tier(c.tier)}</p>
                        <h1 id="course-title">{lang.pick(&c.title, c.title_en.as_deref()).to_string()}</h1>
                        <p class="meta">{t.mode(&c.mode)}" · "{c.hours}" "{t.hours_unit}" · "{c.lesson_count}" "{t.lessons_unit}
                            {c.completed.then(|| view! { " · " <strong>{t.completed}</strong> })}</p>
                        <p class="meta" id="study-time">{study_time(t, detail.lessons.iter().map(|l| l.minutes).sum())}</p>
                        <p id="course-summary">{lang.pick(&c.summary, c.summary_en.as_deref()).to_string()}</p>
                        <p class="skills" id="course-skills">{skills_line(lang, &c.skills)}</p>
                        {locked_line(t, lang, &c.locked_by).map(|line| view! { <p class="notice" id="course-locked">{line}</p> })}
                        {action}
                        {prerequisites}
                        <h2>{t.lessons_title}</h2>
                        <ol class="lessons">{lessons}</ol>
                        <h2>{t.rules_title}</h2>
                        <ul>{rules.into_iter().map(|r| view! { <li>{r}</li> }).collect_view()}</ul>
                        {quiz}
                        {detail.my_check_in.clone().map(|ci| view! {
                            <p class="notice ok" id="checked-in">{t.checked_in_at.replace("{time}", &format!("{} · {}", ci.at, ci.location))}</p>
                        })}
                        // Check-in is per class now: each open class links to its check-in page.
                        {super::classes::signup_notice(lang, signup_flash.clone())}
                        {super::classes::course_classes(t, lang, &detail.sessions, &c.id)}
                        {c.completed.then(|| view! {
                            <p><a class="button primary" id="view-certificate" href="/learning">{t.view_certificate}</a></p>
                        })}
                        {(!c.completed).then(|| quiz_entry(&detail, t, &union))}
                    }.into_any()
                })}
            </Suspense>
        </Layout>
    }
}

#[component]
pub fn LessonPage() -> impl IntoView {
    let lang = use_lang();
    let t = lang.t();
    let params = use_params_map().get_untracked();
    let course = params.get("id").unwrap_or_default();
    let lesson = params.get("lesson").unwrap_or_default();
    let large = use_query_map().get_untracked().get("size").as_deref() == Some("large");
    view! {
        <Layout title=t.lessons_title>
            <Suspense fallback=|| ()>
                {Suspend::new(async move {
                    let view = match lesson_view(course.clone(), lesson).await {
                        Ok(view) => view,
                        Err(e) if e.code == ErrorCode::Unauthenticated => {
                            crate::request::redirect_to_login();
                            return view! { <p><a href="/login">{t.nav_login}</a></p> }.into_any();
                        }
                        Err(e) if e.code == ErrorCode::NotEnrolled => {
                            crate::request::redirect(&format!("/courses/{}", crate::request::slug(&course)));
                            return view! { <p>{error_message(lang, e.code, None)}</p> }.into_any();
                        }
                        Err(e) => return super::error_view(lang, e.code),
                    };
                    let here = format!("/courses/{}/lessons/{}", view.course, view.id);
                    let size_link = if large {
                        view! { <a class="button small" id="type-size" href=here.clone()>{t.normal_type}</a> }
                    } else {
                        view! { <a class="button small" id="type-size" href=format!("{here}?size=large")>{t.large_type}</a> }
                    };
                    let position = t.lesson_position.replace("{i}", &view.position.to_string()).replace("{n}", &view.count.to_string());
                    let keep_size = if large { "?size=large" } else { "" };
                    let previous = view.previous.clone().map(|p| view! {
                        <a class="button" rel="prev" href=format!("/courses/{}/lessons/{p}{keep_size}", view.course)>{t.previous_lesson}</a>
                    });
                    // Moving on without marking is offered only once the lesson is marked read,
                    // so "next" never leaves a lesson un-ticked by accident.
                    let next_link = view.next.clone().filter(|_| view.read).map(|n| view! {
                        <a class="button" rel="next" href=format!("/courses/{}/lessons/{n}{keep_size}", view.course)>{t.next_lesson}</a>
                    });
                    let done_label = if view.next.is_some() { t.mark_read } else { t.mark_read_last };
                    view! {
                        <Title text=format!("{} · {}", view.title, t.app_name)/>
                        <p class="crumbs"><a href=format!("/courses/{}", view.course) id="lesson-course">"‹ "{lang.pick(&view.course_title, view.course_title_en.as_deref()).to_string()}</a></p>
                        <p class="lesson-bar"><span id="lesson-position">{position}</span>{size_link}</p>
                        <crate::islands::ReadAloud target="lesson".to_string() texts=crate::islands::ReadAloudTexts {
                            read: t.read_aloud.into(),
                            pause: t.read_aloud_pause.into(),
                            resume: t.read_aloud_resume.into(),
                            stop: t.read_aloud_stop.into(),
                            speed: t.read_aloud_speed.into(),
                        }/>
                        <article class="lesson" lang="zh-CN" class:large=large id="lesson" inner_html=view.html.clone()></article>
                        <form method="post" action=MarkRead::url() id="mark-read">
                            <input type="hidden" name="course" value=view.course.clone()/>
                            <input type="hidden" name="lesson" value=view.id.clone()/>
                            <input type="hidden" name="next" value=view.next.clone().unwrap_or_default()/>
                            {large.then(|| view! { <input type="hidden" name="size" value="large"/> })}
                            <button type="submit" class="primary">{done_label}</button>
                            {view.read.then(|| view! { <span class="state">" ✓ "{t.read_mark}</span> })}
                        </form>
                        <nav class="pager">{previous}{next_link}</nav>
                    }.into_any()
                })}
            </Suspense>
        </Layout>
    }
}

/// The way into the quiz from the course page: back to an unfinished attempt; whom to ask
/// when her attempts ran out; after the lessons when completion needs them (with a clearly
/// marked way to try now); otherwise the start button.
fn quiz_entry(
    detail: &qihang_core::dto::CourseDetail,
    t: &'static crate::i18n::Texts,
    union: &str,
) -> Option<AnyView> {
    let standing = detail.my_quiz.as_ref()?;
    if standing.passed {
        return None;
    }
    if let Some(open) = &standing.open_attempt {
        return Some(view! {
            <p><a class="button primary" id="continue-attempt" href=format!("/quiz/{}", crate::request::slug(open))>{t.continue_attempt}</a></p>
        }.into_any());
    }
    if standing.left == Some(0) {
        return Some(view! { <p class="notice" id="out-of-attempts">{t.out_of_attempts.replace("{union}", union)}</p> }.into_any());
    }
    let start = |label: &'static str| {
        view! {
            <form method="post" action=StartQuiz::url() id="start-quiz">
                <input type="hidden" name="course" value=detail.course.id.clone()/>
                <button type="submit" class="primary">{label}</button>
            </form>
        }
    };
    let total = detail.lessons.len();
    let read = detail.lessons.iter().filter(|l| l.read).count();
    if detail.completion.lessons && read < total {
        let wait = t
            .quiz_after_lessons
            .replace("{n}", &total.to_string())
            .replace("{read}", &read.to_string());
        return Some(
            view! {
                <p id="quiz-after-lessons">{wait}</p>
                <details class="try-now" id="try-quiz-now">
                    <summary>{t.try_quiz_now}</summary>
                    <p class="muted">{t.try_now_warning}</p>
                    {start(t.start_quiz)}
                </details>
            }
            .into_any(),
        );
    }
    Some(view! { <p id="quiz-ready">{t.quiz_ready}</p>{start(t.start_quiz)} }.into_any())
}

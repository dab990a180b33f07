//! The quiz page: a plain form of the served questions (no answers in the page), and after
//! submission her score against the pass mark, what she answered and (when the course
//! allows) what was right, with the way on: her certificate on a pass, another attempt or
//! the lessons on a fail, and whom to ask when her attempts ran out.

use leptos::prelude::*;
use leptos::server_fn::ServerFn;
use leptos_router::hooks::use_params_map;
use qihang_core::dto::{
    AnswerInput, AttemptPage, AttemptQuestion, ErrorCode, QuestionKind, QuizStanding, SubmitResult,
};

use super::FlashMessage;
use crate::app::{use_lang, Layout};
use crate::i18n::Texts;
use crate::islands::{QuizAutosave, QuizCountdown, QuizProgress};
use crate::request::take_flash;
use crate::server_fns::{quiz_attempt, StartQuiz};

#[component]
pub fn QuizPage() -> impl IntoView {
    let lang = use_lang();
    let t = lang.t();
    let flash = take_flash("quiz");
    let id = use_params_map()
        .get_untracked()
        .get("id")
        .unwrap_or_default();
    view! {
        <Layout title=t.quiz_title>
            <FlashMessage flash=flash lang=lang ok_text=t.answers_saved/>
            <Suspense fallback=|| ()>
                {Suspend::new(async move {
                    let page = match quiz_attempt(id).await {
                        Ok(found) => found,
                        Err(e) if e.code == ErrorCode::Unauthenticated => {
                            crate::request::redirect_to_login();
                            return view! { <p><a href="/login">{t.nav_login}</a></p> }.into_any();
                        }
                        Err(e) => return super::error_view(lang, e.code),
                    };
                    let union = crate::server_fns::current_account()
                        .await
                        .ok()
                        .flatten()
                        .map(|a| lang.pick(&a.user.org.name, a.user.org.name_en.as_deref()).to_string())
                        .unwrap_or_default();
                    let heading = view! { <h1>{t.quiz_title}" · "{lang.pick(&page.course_title, page.course_title_en.as_deref()).to_string()}</h1> };
                    match page.result.clone() {
                        Some(result) => view! { {heading}{result_view(&page, &result, t, &union)} }.into_any(),
                        None => view! { {heading}{form_view(&page, t)} }.into_any(),
                    }
                })}
            </Suspense>
        </Layout>
    }
}

/// Which kind of question, in words (多选 says to choose every right option).
fn kind_label(kind: QuestionKind, t: &Texts) -> &'static str {
    match kind {
        QuestionKind::Single => t.kind_single,
        QuestionKind::Multiple => t.kind_multiple,
        QuestionKind::TrueFalse => t.kind_true_false,
        QuestionKind::Fill => t.kind_fill,
    }
}

/// The answer inputs of one question, with what she saved checked or filled in.
fn inputs_view(q: &AttemptQuestion, given: Option<&AnswerInput>, t: &Texts) -> AnyView {
    let name = format!("q.{}", q.id);
    match q.kind {
        QuestionKind::Fill => {
            let value = match given {
                Some(AnswerInput::Text(v)) => v.clone(),
                _ => String::new(),
            };
            view! { <input name=name value=value autocomplete="off"/> }.into_any()
        }
        QuestionKind::TrueFalse => {
            let is = |b: bool| matches!(given, Some(AnswerInput::Truth(v)) if *v == b);
            view! {
                <label><input type="radio" name=name.clone() value="true" checked=is(true)/>{t.true_label}</label>
                <label><input type="radio" name=name value="false" checked=is(false)/>{t.false_label}</label>
            }
            .into_any()
        }
        kind @ (QuestionKind::Single | QuestionKind::Multiple) => {
            let input_type = if kind == QuestionKind::Multiple {
                "checkbox"
            } else {
                "radio"
            };
            q.options
                .iter()
                .map(|o| {
                    let checked = matches!(given, Some(AnswerInput::Choices(c)) if c.contains(&o.id));
                    view! { <label><input type=input_type name=name.clone() value=o.id.clone() checked=checked/>{o.text.clone()}</label> }
                })
                .collect_view()
                .into_any()
        }
    }
}

/// The open attempt: the deadline with a countdown, progress, and one card per question.
fn form_view(page: &AttemptPage, t: &'static Texts) -> AnyView {
    let attempt = &page.attempt;
    let saved = &attempt.answers;
    let deadline = attempt.deadline.clone().zip(attempt.deadline_china.clone()).map(|(iso, china)| view! {
        <p class="muted" id="quiz-deadline">{t.deadline_label}{t.colon}{china}" "
            <QuizCountdown deadline=iso left_label=t.time_left.to_string() over_label=t.time_over.to_string()/>
        </p>
    });
    let answered = attempt
        .questions
        .iter()
        .filter(|q| saved.contains_key(&q.id))
        .count();
    let questions = attempt
        .questions
        .iter()
        .map(|q| {
            let inputs = inputs_view(q, saved.get(&q.id), t);
            view! {
                <fieldset class="question">
                    <legend>{q.text.clone()}</legend>
                    <p class="kind">{kind_label(q.kind, t)}</p>
                    {inputs}
                </fieldset>
            }
        })
        .collect_view();
    view! {
        {deadline}
        <p class="muted" id="quiz-standing">{standing_line(&page.standing, t)}" · "{t.pass_mark_line.replace("{n}", &page.standing.pass_mark.to_string())}</p>
        <QuizProgress form_id="quiz-form".to_string() prefix=t.answered_prefix.to_string() answered=answered total=attempt.questions.len()/>
        <form method="post" action=format!("/quiz/{}", attempt.id) id="quiz-form" class="stack">
            {questions}
            <p>
                <button type="submit" name="save" value="1" id="save-answers">{t.save_answers}</button>
                " "
                <QuizAutosave
                    form_id="quiz-form".to_string()
                    action=format!("/quiz/{}", attempt.id)
                    saved=t.autosaved.to_string()
                    failed=t.autosave_failed.to_string()
                />
            </p>
            <button type="submit" class="primary" id="submit-quiz">{t.submit_quiz}</button>
        </form>
    }
    .into_any()
}

/// "已考 1 次，共 3 次机会" or "已考 2 次，次数不限".
pub fn standing_line(standing: &QuizStanding, t: &Texts) -> String {
    match standing.allowed {
        Some(allowed) => t
            .attempts_used_line
            .replace("{used}", &standing.used.to_string())
            .replace("{allowed}", &allowed.to_string()),
        None => t
            .attempts_unlimited_line
            .replace("{used}", &standing.used.to_string()),
    }
}

/// The graded attempt: the verdict against the pass mark, the way on, and each question.
fn result_view(
    page: &AttemptPage,
    result: &SubmitResult,
    t: &'static Texts,
    union: &str,
) -> AnyView {
    let standing = &page.standing;
    let verdict = if result.passed {
        t.quiz_passed
    } else {
        t.quiz_failed
    };
    let course_page = format!("/courses/{}", crate::request::slug(&page.attempt.course));
    let hidden_note = (!result.answers_revealed).then_some(match result.reveal.as_str() {
        "never" => t.answers_never,
        "after_last_attempt" => t.answers_after_last_attempt,
        _ => t.answers_after_pass,
    });
    let items = page
        .attempt
        .questions
        .iter()
        .map(|q| graded_item(q, result, page.attempt.answers.get(&q.id), t))
        .collect_view();
    view! {
        <div class="result" class:passed=result.passed class:failed=!result.passed id="quiz-result">
            <p class="score" id="quiz-score">{t.your_score}" "{result.score}" · "{verdict}</p>
            <p class="muted" id="quiz-pass-mark">{t.pass_mark_line.replace("{n}", &standing.pass_mark.to_string())}
                " · "{standing_line(standing, t)}</p>
            {next_steps(page, result, t, union, course_page)}
        </div>
        {hidden_note.map(|n| view! { <p class="notice" id="answers-hidden">{n}</p> })}
        <ol class="quiz-results">{items}</ol>
    }
    .into_any()
}

/// What she can do now: on a pass the congratulation, her place and her certificate; on a
/// fail another attempt (or whom to ask for one) and the lessons.
fn next_steps(
    page: &AttemptPage,
    result: &SubmitResult,
    t: &'static Texts,
    union: &str,
    course_page: String,
) -> AnyView {
    let standing = &page.standing;
    if let (true, Some(needed)) = (result.passed, &page.still_needed) {
        return passed_not_complete(page, needed, t, course_page);
    }
    if result.passed {
        let place = page.place_in_drive.map(|n| view! {
            <p class="place" id="quiz-place">{t.place_prefix}<strong>{n}</strong>{t.place_suffix}</p>
        });
        let certificate = page.certificate.clone().map(|serial| view! {
            <a class="button primary" id="see-certificate" href=format!("/certificates/{}", crate::request::slug(&serial))>{t.see_certificate}</a>
        });
        return view! {
            <p class="congrats" id="quiz-congrats">{t.quiz_congrats}</p>
            {place}
            <p class="actions">{certificate}" "<a class="button" id="back-to-course" href=course_page>{t.back_to_course}</a></p>
        }
        .into_any();
    }
    let left = standing.left;
    let retry = (left != Some(0) && !standing.passed).then(|| {
        view! {
            <form method="post" action=StartQuiz::url() id="retry-quiz" class="inline">
                <input type="hidden" name="course" value=page.attempt.course.clone()/>
                <button type="submit" class="primary">{t.retry_quiz}</button>
            </form>
        }
    });
    let left_line = left.filter(|n| *n > 0).map(|n| {
        view! {
            <p id="attempts-left">{t.attempts_left_line.replace("{n}", &n.to_string())}</p>
        }
    });
    let out = (left == Some(0) && !standing.passed).then(|| {
        view! {
            <p class="notice" id="out-of-attempts">{t.out_of_attempts.replace("{union}", union)}</p>
        }
    });
    view! {
        {left_line}
        {out}
        <p class="actions">{retry}" "<a class="button" id="back-to-course" href=course_page>{t.review_lessons}</a></p>
    }
    .into_any()
}

/// One graded question: right or wrong in colour and in words, her answer, and the right
/// answer with its explanation when revealed.
fn graded_item(
    q: &AttemptQuestion,
    result: &SubmitResult,
    given: Option<&AnswerInput>,
    t: &'static Texts,
) -> impl IntoView {
    let graded = result.results.iter().find(|r| r.id == q.id).cloned();
    let right = graded.as_ref().is_some_and(|g| g.correct);
    let expected = graded
        .as_ref()
        .and_then(|g| g.expected.as_ref())
        .map(|e| answer_text(q, e, t));
    let explanation = graded.and_then(|g| g.explanation).unwrap_or_default();
    let mine = given
        .map(|g| answer_text(q, g, t))
        .filter(|text| !text.trim().is_empty())
        .unwrap_or_else(|| t.no_answer.to_string());
    view! {
        <li class:right=right class:wrong=!right>
            <p>{q.text.clone()}</p>
            <p class="verdict">{if right { "✓ " } else { "✗ " }}{if right { t.answer_right } else { t.answer_wrong }}</p>
            <p class="given">{t.your_answer}{mine}</p>
            {expected.map(|e| view! { <p class="expected">{t.right_answer}{e}</p> })}
            {(!explanation.is_empty()).then(|| view! { <p class="muted">{explanation}</p> })}
        </li>
    }
}

/// An answer in words: the option texts, 对/错, or the text typed.
fn answer_text(question: &AttemptQuestion, answer: &AnswerInput, t: &Texts) -> String {
    match answer {
        AnswerInput::Truth(true) => t.true_label.into(),
        AnswerInput::Truth(false) => t.false_label.into(),
        AnswerInput::Text(text) => text.clone(),
        AnswerInput::Choices(ids) if question.kind == QuestionKind::Fill => ids.join(" / "),
        AnswerInput::Choices(ids) => ids
            .iter()
            .filter_map(|id| question.options.iter().find(|o| &o.id == id))
            .map(|o| o.text.clone())
            .collect::<Vec<_>>()
            .join("；"),
    }
}

/// Passed, but the course needs more (lessons, a class) before its certificate: say what,
/// and lead to the next lesson.
fn passed_not_complete(
    page: &AttemptPage,
    needed: &qihang_core::dto::StillNeeded,
    t: &'static Texts,
    course_page: String,
) -> AnyView {
    let mut rest = Vec::new();
    if needed.lessons_unread > 0 {
        rest.push(
            t.rest_lessons
                .replace("{n}", &needed.lessons_unread.to_string()),
        );
    }
    if needed.attendance {
        rest.push(t.rest_attendance.to_string());
    }
    let text = t.passed_not_complete.replace(
        "{rest}",
        &rest.join(if t.colon == "：" { "、" } else { ", " }),
    );
    let next = needed.first_unread.clone().map(|lesson| {
        let href = format!(
            "/courses/{}/lessons/{}",
            crate::request::slug(&page.attempt.course),
            crate::request::slug(&lesson)
        );
        view! { <a class="button primary" id="next-lesson" href=href>{t.go_on_learning}</a> }
    });
    view! {
        <p class="congrats" id="quiz-congrats">{text}</p>
        <p class="actions">{next}<a class="button" id="back-to-course" href=course_page>{t.back_to_course}</a></p>
    }
    .into_any()
}

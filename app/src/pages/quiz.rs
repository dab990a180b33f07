//! The quiz page: a plain form of the served questions (no answers in the page), and after
//! submission her score, what was right and the explanations.

use leptos::prelude::*;
use leptos_router::hooks::use_params_map;
use qihang_core::dto::ErrorCode;

use super::FlashMessage;
use crate::app::{use_lang, Layout};
use crate::i18n::error_message;
use crate::islands::QuizAutosave;
use crate::request::take_flash;
use crate::server_fns::quiz_attempt;
use qihang_core::dto::{AnswerInput, QuestionKind};

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
            <h1>{t.quiz_title}</h1>
            <FlashMessage flash=flash lang=lang ok_text=t.answers_saved/>
            <Suspense fallback=|| ()>
                {Suspend::new(async move {
                    let (attempt, result) = match quiz_attempt(id).await {
                        Ok(found) => found,
                        Err(e) if e.code == ErrorCode::Unauthenticated => {
                            crate::request::redirect("/login");
                            return view! { <p><a href="/login">{t.nav_login}</a></p> }.into_any();
                        }
                        Err(e) => return view! { <p class="notice error">{error_message(lang, e.code, None)}</p> }.into_any(),
                    };
                    if let Some(result) = result {
                        let verdict = if result.passed { t.quiz_passed } else { t.quiz_failed };
                        let items = attempt.questions.iter().map(|q| {
                            let graded = result.results.iter().find(|r| r.id == q.id).cloned();
                            let right = graded.as_ref().is_some_and(|g| g.correct);
                            let expected = graded.as_ref().and_then(|g| g.expected.as_ref()).map(|e| answer_text(q, e, t));
                            let explanation = graded.and_then(|g| g.explanation).unwrap_or_default();
                            view! {
                                <li class:right=right class:wrong=!right>
                                    <p>{q.text.clone()}</p>
                                    <p class="verdict">{if right { t.answer_right } else { t.answer_wrong }}</p>
                                    {expected.map(|e| view! { <p class="expected">{t.right_answer}{e}</p> })}
                                    {(!explanation.is_empty()).then(|| view! { <p class="muted">{explanation}</p> })}
                                </li>
                            }
                        }).collect_view();
                        let hidden_note = (!result.answers_revealed).then_some(match result.reveal.as_str() {
                            "never" => t.answers_never,
                            "after_last_attempt" => t.answers_after_last_attempt,
                            _ => t.answers_after_pass,
                        });
                        let course_page = format!("/courses/{}", crate::request::slug(&attempt.course));
                        return view! {
                            <p class="score" id="quiz-score">{t.your_score}" "{result.score}" · "{verdict}</p>
                            {hidden_note.map(|n| view! { <p class="notice" id="answers-hidden">{n}</p> })}
                            <p><a class="button" id="back-to-course" href=course_page>{t.back_to_course}</a></p>
                            <ol class="quiz-results">{items}</ol>
                        }.into_any();
                    }
                    let saved = attempt.answers.clone();
                    let deadline = attempt.deadline_china.clone().map(|d| view! { <p class="muted" id="quiz-deadline">{t.deadline_label}": "{d}</p> });
                    let answered = attempt.questions.iter().filter(|q| saved.contains_key(&q.id)).count();
                    let progress = format!("{} {answered}/{}", t.answered_prefix, attempt.questions.len());
                    let questions = attempt.questions.iter().map(|q| {
                        let name = format!("q.{}", q.id);
                        let given = saved.get(&q.id).cloned();
                        let inputs = match q.kind {
                            QuestionKind::Fill => {
                                let value = match &given { Some(AnswerInput::Text(v)) => v.clone(), _ => String::new() };
                                view! { <input name=name.clone() value=value autocomplete="off"/> }.into_any()
                            }
                            QuestionKind::TrueFalse => {
                                let is = |b: bool| matches!(given, Some(AnswerInput::Truth(v)) if v == b);
                                view! {
                                    <label><input type="radio" name=name.clone() value="true" checked=is(true)/>{t.true_label}</label>
                                    <label><input type="radio" name=name.clone() value="false" checked=is(false)/>{t.false_label}</label>
                                }.into_any()
                            }
                            kind @ (QuestionKind::Single | QuestionKind::Multiple) => {
                                let input_type = if kind == QuestionKind::Multiple { "checkbox" } else { "radio" };
                                q.options.iter().map(|o| {
                                    let checked = matches!(&given, Some(AnswerInput::Choices(c)) if c.contains(&o.id));
                                    view! { <label><input type=input_type name=name.clone() value=o.id.clone() checked=checked/>{o.text.clone()}</label> }
                                }).collect_view().into_any()
                            }
                        };
                        let kind = match q.kind {
                            QuestionKind::Single => t.kind_single,
                            QuestionKind::Multiple => t.kind_multiple,
                            QuestionKind::TrueFalse => t.kind_true_false,
                            QuestionKind::Fill => t.kind_fill,
                        };
                        view! { <fieldset class="question"><legend>{q.text.clone()}</legend><p class="kind">{kind}</p>{inputs}</fieldset> }
                    }).collect_view();
                    view! {
                        {deadline}
                        <p class="muted" id="quiz-progress">{progress}</p>
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
                    }.into_any()
                })}
            </Suspense>
        </Layout>
    }
}

/// A right answer in words: the option texts, 对/错, or the accepted fill-in texts.
fn answer_text(
    question: &qihang_core::dto::AttemptQuestion,
    answer: &AnswerInput,
    t: &crate::i18n::Texts,
) -> String {
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

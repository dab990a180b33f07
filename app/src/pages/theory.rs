//! The theory round's page (理论初赛), built like the quiz page: a plain form of her drawn
//! questions (no answers in the page), the deadline in China time with a countdown, "保存答案"
//! and "交卷" buttons posting every answer (so it works without JavaScript), and once her
//! answers are in, her score, the right count and the time taken — never the right answers,
//! as the round may still be running for others.

use leptos::prelude::*;
use leptos::server_fn::ServerFn;
use leptos_router::hooks::use_params_map;
use qihang_core::dto::{AnswerInput, AttemptQuestion, ErrorCode, QuestionKind, TheoryResult};

use super::competitions::{duration, failed};
use super::FlashMessage;
use crate::app::{use_lang, Layout};
use crate::competition_fns::{
    competition_page_url, load_theory, SaveTheory, SubmitTheory, TheoryPageData,
};
use crate::i18n::Texts;
use crate::islands::QuizCountdown;
use crate::request::take_flash;

#[component]
pub fn TheoryPage() -> impl IntoView {
    let lang = use_lang();
    let t = lang.t();
    let saved = take_flash("theory-save");
    let submitted = take_flash("theory-submit");
    let id = use_params_map()
        .get_untracked()
        .get("id")
        .unwrap_or_default();
    view! {
        <Layout title=t.th_title>
            <Suspense fallback=|| ()>
                {Suspend::new(async move {
                    let data = match load_theory(id).await {
                        Ok(data) => data,
                        Err(e) => return failed(lang, e.code),
                    };
                    let heading = view! { <h1>{t.th_title}" · "{data.title.clone()}</h1> };
                    let late = submitted
                        .as_ref()
                        .is_some_and(|f| f.code == Some(ErrorCode::DeadlinePassed));
                    match data.result.clone() {
                        Some(result) => view! {
                            {heading}
                            {result_view(t, &data, &result, late)}
                        }
                        .into_any(),
                        None if data.time_up => view! {
                            {heading}
                            {time_up_view(t, &data)}
                        }
                        .into_any(),
                        None => {
                            // A refused hand-in (not a late one) is told above the form.
                            let refused = submitted.clone().filter(|f| !f.ok && !late);
                            view! {
                                {heading}
                                <FlashMessage flash=saved.clone() lang=lang ok_text=t.th_saved/>
                                <FlashMessage flash=refused lang=lang/>
                                {form_view(t, &data)}
                            }
                            .into_any()
                        }
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

/// The answer inputs of one question (`answers[q<id>][]`), with what she saved checked or
/// filled in.
fn inputs_view(q: &AttemptQuestion, given: Option<&AnswerInput>, t: &Texts) -> AnyView {
    let name = format!("answers[q{}][]", q.id);
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

/// The open attempt: the deadline with a countdown, one card per question, and the save and
/// hand-in buttons of one form (the hand-in button posts the same answers elsewhere).
fn form_view(t: &'static Texts, data: &TheoryPageData) -> AnyView {
    let attempt = &data.attempt;
    let saved = &attempt.answers;
    let deadline = attempt
        .deadline
        .clone()
        .zip(attempt.deadline_china.clone())
        .map(|(iso, china)| {
            let clock = china.get(11..).unwrap_or(china.as_str()).to_string();
            view! {
                <p class="muted" id="theory-deadline">{t.th_deadline.replace("{time}", &clock)}" "
                    <QuizCountdown deadline=iso left_label=t.time_left.to_string() over_label=t.time_over.to_string()/>
                </p>
            }
        });
    let answered = attempt
        .questions
        .iter()
        .filter(|q| saved.contains_key(&q.id))
        .count();
    let progress = t
        .th_answered
        .replace("{n}", &answered.to_string())
        .replace("{total}", &attempt.questions.len().to_string());
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
    let progress_again = progress.clone();
    view! {
        {deadline}
        <p class="muted" id="theory-progress">{progress}</p>
        <form method="post" action=SaveTheory::url() id="theory-form" class="stack" name="theory">
            <input type="hidden" name="id" value=attempt.id.clone()/>
            {questions}
            <p>
                <button type="submit" id="theory-save">{t.th_save}</button>
            </p>
            <p class="muted">{progress_again}" · "{t.th_submit_hint}</p>
            <button type="submit" class="primary" id="theory-submit" formaction=SubmitTheory::url()>{t.th_submit}</button>
        </form>
    }
    .into_any()
}

/// Time is up and she never handed in: what she saved in time is graded when she asks for
/// her result (the hand-in after the round grades the saved answers only).
fn time_up_view(t: &'static Texts, data: &TheoryPageData) -> AnyView {
    let back = competition_page_url(&data.attempt.course);
    view! {
        <div class="notice" id="theory-time-up">
            <p>{t.th_time_up_pending}</p>
            <form method="post" action=SubmitTheory::url() id="theory-late-form" name="theory-submit">
                <input type="hidden" name="id" value=data.attempt.id.clone()/>
                <button type="submit" class="primary" id="theory-see-result">{t.th_see_result}</button>
            </form>
            <p class="actions"><a class="button" href=back id="back-to-competition">{t.th_back}</a></p>
        </div>
    }
    .into_any()
}

/// Her result: "你的成绩：85 分（答对 17/20 题），用时 12分30秒", whether time ran out, and the
/// way back to the competition and its ranking. No answers are shown.
fn result_view(
    t: &'static Texts,
    data: &TheoryPageData,
    result: &TheoryResult,
    late: bool,
) -> AnyView {
    let back = competition_page_url(&data.attempt.course);
    let line = t
        .th_result
        .replace("{score}", &result.score.to_string())
        .replace("{right}", &result.right.to_string())
        .replace("{total}", &result.total.to_string())
        .replace("{time}", &duration(t, result.seconds));
    let late = late.then(|| view! { <p class="notice" id="theory-late">{t.th_time_up}</p> });
    view! {
        {late}
        <div class="result" id="theory-result" data-score=result.score.to_string()>
            <p class="score" id="theory-score">{line}</p>
            <p class="muted">{t.th_no_answers}</p>
            <p class="actions">
                <a class="button primary" href=back.clone() id="back-to-competition">{t.th_back}</a>
                <a class="button" href=format!("{back}#ranking") id="to-ranking">{t.th_ranking}</a>
            </p>
        </div>
    }
    .into_any()
}

//! The quiz engine: drawing questions with a stored seed, saving answers as she goes, and
//! grading once. Answer keys and explanations stay on the server until the attempt is
//! submitted; deadlines and the attempt limit are enforced here, whatever the client does.
//!
//! Knowledge reuse: question and option ids are random per attempt (grading maps them back
//! through the attempt's own snapshot), and results name the right answers only when the
//! course's `reveal` rule allows it, so what one attempt shows is useless in the next one or
//! to another learner.
//!
//! Concurrency: starting an attempt locks her enrolment row (PostgreSQL `FOR UPDATE`;
//! SQLite's `BEGIN IMMEDIATE` serialises writers), so the limit holds when several attempts
//! start at once; submitting locks the attempt row, so ten simultaneous submits grade once
//! and all get the stored result.

use std::collections::{BTreeMap, HashSet};

use chrono::Duration;
use diesel::prelude::*;
use rand::rngs::StdRng;
use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};
use serde::{Deserialize, Serialize};

use super::actor::Actor;
use super::completion::complete_if_due;
use super::learning::{enrollment_of, visible_to};
use super::tokens::new_public_id;
use super::{now, Core};
use crate::db::schema::{courses, questions, quiz_attempts};
use crate::db::{lock_for_update, write_tx, DbConn, RowLock};
use crate::dto::{
    AnswerInput, AttemptQuestion, AttemptView, OptionView, QuestionResult, SubmitResult,
};
use crate::packs::Reveal;
use crate::ServiceError;

/// What an attempt served, kept with it: the questions in order, options in shown order
/// (with ids drawn for this attempt), and the key in those ids.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ServedQuestion {
    /// The bank's stable id (never shown to the learner).
    pub key: String,
    /// The question's id in this attempt only. Attempts served before ids were drawn per
    /// attempt have none and use `key`.
    #[serde(default)]
    pub id: String,
    pub kind: String,
    pub text: String,
    pub options: Vec<OptionView>,
    pub answer: AnswerInput,
    pub explanation: String,
}

impl ServedQuestion {
    /// The id the learner sees and answers by.
    pub fn public_id(&self) -> &str {
        if self.id.is_empty() {
            &self.key
        } else {
            &self.id
        }
    }
}

/// Width-folds (full-width ASCII and the ideographic space), trims and lower-cases ASCII.
pub fn normalise(text: &str) -> String {
    text.chars()
        .map(|c| match c {
            '\u{FF01}'..='\u{FF5E}' => char::from_u32(c as u32 - 0xFEE0).unwrap_or(c),
            '\u{3000}' => ' ',
            other => other,
        })
        .collect::<String>()
        .trim()
        .to_ascii_lowercase()
}

/// Whether `given` answers `question` correctly: single and true/false exact, multiple
/// all-or-nothing, fill against the accepted texts after normalising.
pub fn is_correct(question: &ServedQuestion, given: Option<&AnswerInput>) -> bool {
    match (&question.answer, given) {
        (AnswerInput::Choices(key), Some(AnswerInput::Choices(picked))) => {
            let key: HashSet<&String> = key.iter().collect();
            let picked_set: HashSet<&String> = picked.iter().collect();
            picked_set.len() == picked.len() && picked_set == key
        }
        (AnswerInput::Truth(key), Some(AnswerInput::Truth(given))) => key == given,
        (AnswerInput::Choices(accepted), Some(AnswerInput::Text(text)))
            if question.kind == "fill" =>
        {
            let text = normalise(text);
            !text.is_empty() && accepted.iter().any(|a| normalise(a) == text)
        }
        _ => false,
    }
}

/// Grades every served question; the score is a whole percent. The result holds the right
/// answers and explanations: [`present`] decides whether the learner sees them.
pub fn grade(
    served: &[ServedQuestion],
    answers: &BTreeMap<String, AnswerInput>,
    pass_mark: u32,
) -> SubmitResult {
    let results: Vec<QuestionResult> = served
        .iter()
        .map(|q| QuestionResult {
            id: q.public_id().to_string(),
            correct: is_correct(q, answers.get(q.public_id())),
            expected: Some(q.answer.clone()),
            explanation: Some(q.explanation.clone()),
        })
        .collect();
    let right = results.iter().filter(|r| r.correct).count() as u32;
    let score = if served.is_empty() {
        0
    } else {
        right * 100 / served.len() as u32
    };
    SubmitResult {
        score,
        passed: score >= pass_mark,
        results,
        answers_revealed: true,
        reveal: String::new(),
    }
}

/// The graded result as the learner may see it: without right answers and explanations
/// unless `revealed`.
pub fn present(mut result: SubmitResult, revealed: bool, reveal: Reveal) -> SubmitResult {
    if !revealed {
        for r in &mut result.results {
            r.expected = None;
            r.explanation = None;
        }
    }
    result.answers_revealed = revealed;
    result.reveal = reveal.as_str().into();
    result
}

/// Characters of per-attempt ids: lower-case letters and digits without look-alikes.
const ID_ALPHABET: &[u8] = b"abcdefghjkmnpqrstuvwxyz23456789";

/// A random id for one question or option of one attempt.
fn attempt_local_id(rng: &mut StdRng) -> String {
    (0..10)
        .map(|_| char::from(ID_ALPHABET[rng.random_range(0..ID_ALPHABET.len())]))
        .collect()
}

/// Builds what an attempt serves from the bank rows (key, kind, text, options JSON, answer
/// JSON, explanation), drawing `draw` with `seed`, unseen questions first.
pub fn draw_questions(
    bank: &[(String, String, String, String, String, String)],
    draw: usize,
    seed: u64,
    seen: &HashSet<String>,
) -> Vec<ServedQuestion> {
    let mut rng = StdRng::seed_from_u64(seed);
    let mut fresh: Vec<&(String, String, String, String, String, String)> =
        bank.iter().filter(|q| !seen.contains(&q.0)).collect();
    let mut old: Vec<&(String, String, String, String, String, String)> =
        bank.iter().filter(|q| seen.contains(&q.0)).collect();
    fresh.shuffle(&mut rng);
    old.shuffle(&mut rng);
    fresh
        .into_iter()
        .chain(old)
        .take(draw)
        .map(|(key, kind, text, options, answer, explanation)| {
            let texts: Vec<String> = serde_json::from_str(options).unwrap_or_default();
            let ids: Vec<String> = texts.iter().map(|_| attempt_local_id(&mut rng)).collect();
            let mut shown: Vec<OptionView> = texts
                .into_iter()
                .zip(&ids)
                .map(|(text, id)| OptionView {
                    id: id.clone(),
                    text,
                })
                .collect();
            shown.shuffle(&mut rng);
            let stored: serde_json::Value = serde_json::from_str(answer).unwrap_or_default();
            let answer = if let Some(indexes) = stored["choices"].as_array() {
                AnswerInput::Choices(
                    indexes
                        .iter()
                        .filter_map(|i| i.as_u64())
                        .filter_map(|i| ids.get(i as usize).cloned())
                        .collect(),
                )
            } else if let Some(truth) = stored["truth"].as_bool() {
                AnswerInput::Truth(truth)
            } else {
                AnswerInput::Choices(
                    stored["texts"]
                        .as_array()
                        .into_iter()
                        .flatten()
                        .filter_map(|t| t.as_str().map(str::to_string))
                        .collect(),
                )
            };
            ServedQuestion {
                key: key.clone(),
                id: format!("q{}", attempt_local_id(&mut rng)),
                kind: kind.clone(),
                text: text.clone(),
                options: shown,
                answer,
                explanation: explanation.clone(),
            }
        })
        .collect()
}

fn iso(t: chrono::NaiveDateTime) -> String {
    t.format("%Y-%m-%dT%H:%M:%SZ").to_string()
}

fn attempt_view(
    public_id: String,
    deadline: Option<chrono::NaiveDateTime>,
    served: &[ServedQuestion],
    answers: BTreeMap<String, AnswerInput>,
) -> AttemptView {
    AttemptView {
        id: public_id,
        deadline: deadline.map(iso),
        questions: served
            .iter()
            .map(|q| AttemptQuestion {
                id: q.public_id().to_string(),
                kind: q.kind.clone(),
                text: q.text.clone(),
                options: q.options.clone(),
            })
            .collect(),
        answers,
    }
}

/// Starts an attempt of the course's quiz for an enrolled learner.
pub async fn start(core: &Core, actor: &Actor, code: String) -> Result<AttemptView, ServiceError> {
    let actor = actor.clone();
    core.run(move |conn, _| {
        let course_id = visible_to(conn, &actor, &code)?;
        let (draw, pass_mark, max_attempts, minutes): (
            Option<i32>,
            Option<i32>,
            Option<i32>,
            Option<i32>,
        ) = courses::table
            .find(course_id)
            .select((
                courses::quiz_draw,
                courses::quiz_pass_mark,
                courses::quiz_max_attempts,
                courses::quiz_time_limit_minutes,
            ))
            .first(conn)?;
        let (Some(draw), Some(_), Some(max_attempts), Some(minutes)) =
            (draw, pass_mark, max_attempts, minutes)
        else {
            return Err(ServiceError::NotFound("quiz"));
        };
        write_tx(conn, |conn| {
            let enrollment =
                enrollment_of(conn, actor.user_id, course_id)?.ok_or(ServiceError::NotEnrolled)?;
            lock_for_update(conn, RowLock::Enrollment(enrollment))?;
            let earlier: Vec<String> = quiz_attempts::table
                .filter(quiz_attempts::enrollment_id.eq(enrollment))
                .select(quiz_attempts::served)
                .load(conn)?;
            if max_attempts > 0 && earlier.len() as i32 >= max_attempts {
                return Err(ServiceError::NoAttemptsLeft {
                    max: max_attempts as u32,
                });
            }
            let mut seen: HashSet<String> = HashSet::new();
            for snapshot in &earlier {
                seen.extend(decode_served(snapshot)?.into_iter().map(|q| q.key));
            }
            let bank: Vec<(String, String, String, String, String, String)> = questions::table
                .filter(questions::course_id.eq(course_id))
                .filter(questions::active.eq(true))
                .order(questions::position.asc())
                .select((
                    questions::question_key,
                    questions::kind,
                    questions::text,
                    questions::options,
                    questions::answer,
                    questions::explanation,
                ))
                .load(conn)?;
            let seed: u64 = rand::rng().random::<u64>() >> 1;
            let served = draw_questions(&bank, draw.max(0) as usize, seed, &seen);
            let started = now();
            let deadline = (minutes > 0).then(|| started + Duration::minutes(minutes as i64));
            let public_id = new_public_id();
            diesel::insert_into(quiz_attempts::table)
                .values((
                    quiz_attempts::public_id.eq(&public_id),
                    quiz_attempts::user_id.eq(actor.user_id),
                    quiz_attempts::course_id.eq(course_id),
                    quiz_attempts::enrollment_id.eq(enrollment),
                    quiz_attempts::seed.eq(seed as i64),
                    quiz_attempts::served.eq(serde_json::to_string(&served).expect("json")),
                    quiz_attempts::answers.eq("{}"),
                    quiz_attempts::started_at.eq(started),
                    quiz_attempts::deadline.eq(deadline),
                ))
                .execute(conn)?;
            Ok(attempt_view(public_id, deadline, &served, BTreeMap::new()))
        })
    })
    .await
}

type AttemptRow = (
    i64,
    i64,
    i64,
    String,
    String,
    Option<chrono::NaiveDateTime>,
    Option<chrono::NaiveDateTime>,
    Option<String>,
);

/// Her attempt. Inside a write transaction, lock it first ([`lock_attempt`]) when it will be
/// changed; reading it (the quiz page) takes no lock.
fn own_attempt(
    conn: &mut DbConn,
    actor: &Actor,
    public_id: &str,
) -> Result<AttemptRow, ServiceError> {
    let row: Option<AttemptRow> = quiz_attempts::table
        .filter(quiz_attempts::public_id.eq(public_id))
        .select((
            quiz_attempts::id,
            quiz_attempts::user_id,
            quiz_attempts::course_id,
            quiz_attempts::served,
            quiz_attempts::answers,
            quiz_attempts::deadline,
            quiz_attempts::submitted_at,
            quiz_attempts::result,
        ))
        .first(conn)
        .optional()?;
    row.filter(|r| r.1 == actor.user_id)
        .ok_or(ServiceError::NotFound("attempt"))
}

/// Her attempt, locked for the rest of the write transaction (ten simultaneous submits grade
/// once).
fn lock_attempt(
    conn: &mut DbConn,
    actor: &Actor,
    public_id: &str,
) -> Result<AttemptRow, ServiceError> {
    lock_for_update(conn, RowLock::QuizAttempt(public_id))?;
    own_attempt(conn, actor, public_id)
}

/// An attempt's served questions; a corrupt snapshot is a fault, never an empty quiz.
fn decode_served(text: &str) -> Result<Vec<ServedQuestion>, ServiceError> {
    serde_json::from_str(text)
        .map_err(|e| ServiceError::internal(format!("served questions of an attempt: {e}")))
}

fn decode_answers(text: &str) -> Result<BTreeMap<String, AnswerInput>, ServiceError> {
    serde_json::from_str(text)
        .map_err(|e| ServiceError::internal(format!("saved answers of an attempt: {e}")))
}

/// Whether her graded attempts of this course may show the right answers now, by the
/// course's `reveal` rule: never; once she passed; or once she has no attempt left.
fn answers_revealed(
    conn: &mut DbConn,
    user_id: i64,
    course_id: i64,
) -> Result<(bool, Reveal), ServiceError> {
    let (text, max): (String, Option<i32>) = courses::table
        .find(course_id)
        .select((courses::quiz_reveal, courses::quiz_max_attempts))
        .first(conn)?;
    let reveal = Reveal::parse(&text).ok_or_else(|| {
        ServiceError::internal(format!(
            "course {course_id} has an unknown quiz_reveal {text:?}"
        ))
    })?;
    let revealed = match reveal {
        Reveal::Never => false,
        Reveal::AfterPass => {
            quiz_attempts::table
                .filter(quiz_attempts::user_id.eq(user_id))
                .filter(quiz_attempts::course_id.eq(course_id))
                .filter(quiz_attempts::passed.eq(true))
                .count()
                .get_result::<i64>(conn)?
                > 0
        }
        Reveal::AfterLastAttempt => {
            let max = i64::from(max.unwrap_or(0));
            max > 0
                && quiz_attempts::table
                    .filter(quiz_attempts::user_id.eq(user_id))
                    .filter(quiz_attempts::course_id.eq(course_id))
                    .filter(quiz_attempts::submitted_at.is_not_null())
                    .count()
                    .get_result::<i64>(conn)?
                    >= max
        }
    };
    Ok((revealed, reveal))
}

/// Merges `given` into `saved`, refusing ids that were not served in this attempt.
fn merge(
    served: &[ServedQuestion],
    saved: &mut BTreeMap<String, AnswerInput>,
    given: BTreeMap<String, AnswerInput>,
) -> Result<(), ServiceError> {
    let ids: HashSet<&str> = served.iter().map(ServedQuestion::public_id).collect();
    if let Some(foreign) = given.keys().find(|k| !ids.contains(k.as_str())) {
        return Err(ServiceError::ForeignQuestion {
            id: foreign.chars().take(64).collect(),
        });
    }
    saved.extend(given);
    Ok(())
}

/// Saves answers as she goes (a reload or a dropped connection loses nothing).
pub async fn save_answers(
    core: &Core,
    actor: &Actor,
    public_id: String,
    given: BTreeMap<String, AnswerInput>,
) -> Result<AttemptView, ServiceError> {
    let actor = actor.clone();
    core.run(move |conn, _| {
        write_tx(conn, |conn| {
            let (id, _, _, served, answers, deadline, submitted, _) =
                lock_attempt(conn, &actor, &public_id)?;
            if submitted.is_some() {
                return Err(ServiceError::AttemptClosed);
            }
            if deadline.is_some_and(|d| now() > d) {
                return Err(ServiceError::DeadlinePassed);
            }
            let served = decode_served(&served)?;
            let mut saved = decode_answers(&answers)?;
            merge(&served, &mut saved, given)?;
            diesel::update(quiz_attempts::table.find(id))
                .set(quiz_attempts::answers.eq(serde_json::to_string(&saved).expect("json")))
                .execute(conn)?;
            Ok(attempt_view(public_id.clone(), deadline, &served, saved))
        })
    })
    .await
}

/// Submits and grades once. Repeats return the stored result. After the deadline the
/// submission is refused and the attempt is graded on what was saved.
pub async fn submit(
    core: &Core,
    actor: &Actor,
    public_id: String,
    given: BTreeMap<String, AnswerInput>,
) -> Result<SubmitResult, ServiceError> {
    let actor = actor.clone();
    let outcome = core
        .run(move |conn, config| {
            write_tx(conn, |conn| {
                let (id, user_id, course_id, served, answers, deadline, submitted, result) =
                    lock_attempt(conn, &actor, &public_id)?;
                if submitted.is_some() {
                    let stored: SubmitResult =
                        serde_json::from_str(result.as_deref().unwrap_or(""))
                            .map_err(|e| ServiceError::internal(e.to_string()))?;
                    let (revealed, reveal) = answers_revealed(conn, user_id, course_id)?;
                    return Ok((present(stored, revealed, reveal), false));
                }
                let served = decode_served(&served)?;
                let mut saved = decode_answers(&answers)?;
                let late = deadline.is_some_and(|d| now() > d);
                if !late {
                    merge(&served, &mut saved, given)?;
                }
                let pass_mark: Option<i32> = courses::table
                    .find(course_id)
                    .select(courses::quiz_pass_mark)
                    .first(conn)?;
                let result = grade(&served, &saved, pass_mark.unwrap_or(60).max(0) as u32);
                diesel::update(
                    quiz_attempts::table
                        .find(id)
                        .filter(quiz_attempts::submitted_at.is_null()),
                )
                .set((
                    quiz_attempts::answers.eq(serde_json::to_string(&saved).expect("json")),
                    quiz_attempts::submitted_at.eq(now()),
                    quiz_attempts::score.eq(result.score as i32),
                    quiz_attempts::passed.eq(result.passed),
                    quiz_attempts::result.eq(serde_json::to_string(&result).expect("json")),
                ))
                .execute(conn)?;
                if result.passed {
                    if let Some(enrollment) = enrollment_of(conn, user_id, course_id)? {
                        complete_if_due(conn, config, user_id, course_id, enrollment)?;
                    }
                }
                let (revealed, reveal) = answers_revealed(conn, user_id, course_id)?;
                Ok((present(result, revealed, reveal), late))
            })
        })
        .await?;
    match outcome {
        (_, true) => Err(ServiceError::DeadlinePassed),
        (result, false) => Ok(result),
    }
}

/// Her attempt as the quiz page shows it: the served questions and what she saved, or,
/// once submitted, also the graded result.
pub async fn get(
    core: &Core,
    actor: &Actor,
    public_id: String,
) -> Result<(AttemptView, Option<SubmitResult>), ServiceError> {
    let actor = actor.clone();
    core.run(move |conn, _| {
        let (_, user_id, course_id, served, answers, deadline, _, result) =
            own_attempt(conn, &actor, &public_id)?;
        let served = decode_served(&served)?;
        let saved = decode_answers(&answers)?;
        let result = match result {
            Some(text) => {
                let stored: SubmitResult = serde_json::from_str(&text)
                    .map_err(|e| ServiceError::internal(format!("stored quiz result: {e}")))?;
                let (revealed, reveal) = answers_revealed(conn, user_id, course_id)?;
                Some(present(stored, revealed, reveal))
            }
            None => None,
        };
        Ok((
            attempt_view(public_id.clone(), deadline, &served, saved),
            result,
        ))
    })
    .await
}

/// Reads a plain HTML quiz form: `q.<question id>` fields (several for multiple choice).
pub fn answers_from_form(
    view: &AttemptView,
    fields: &[(String, String)],
) -> BTreeMap<String, AnswerInput> {
    let mut answers = BTreeMap::new();
    for question in &view.questions {
        let name = format!("q.{}", question.id);
        let values: Vec<String> = fields
            .iter()
            .filter(|(k, _)| *k == name)
            .map(|(_, v)| v.clone())
            .collect();
        if values.is_empty() {
            continue;
        }
        let answer = match question.kind.as_str() {
            "true_false" => AnswerInput::Truth(values[0] == "true"),
            "fill" => AnswerInput::Text(values[0].clone()),
            _ => AnswerInput::Choices(values),
        };
        answers.insert(question.id.clone(), answer);
    }
    answers
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    fn bank() -> Vec<(String, String, String, String, String, String)> {
        let row = |key: &str, kind: &str, options: &str, answer: &str| {
            (
                key.to_string(),
                kind.to_string(),
                format!("题目 {key}"),
                options.to_string(),
                answer.to_string(),
                String::new(),
            )
        };
        vec![
            row(
                "s1",
                "single",
                r#"["甲","乙","丙","丁"]"#,
                r#"{"choices":[2]}"#,
            ),
            row(
                "m1",
                "multiple",
                r#"["甲","乙","丙","丁","戊"]"#,
                r#"{"choices":[0,3]}"#,
            ),
            row("t1", "true_false", "[]", r#"{"truth":true}"#),
            row("f1", "fill", "[]", r#"{"texts":["二十","20"]}"#),
            row("s2", "single", r#"["甲","乙"]"#, r#"{"choices":[0]}"#),
        ]
    }

    fn answer_strategy() -> impl Strategy<Value = Option<AnswerInput>> {
        prop_oneof![
            Just(None),
            any::<bool>().prop_map(|b| Some(AnswerInput::Truth(b))),
            proptest::collection::vec(0usize..6, 0..6).prop_map(|v| Some(AnswerInput::Choices(
                v.into_iter().map(|i| format!("#{i}")).collect()
            ))),
            "\\PC{0,12}".prop_map(|t| Some(AnswerInput::Text(t))),
            Just(Some(AnswerInput::Text(" ２０ ".into()))),
        ]
    }

    #[test]
    fn fill_answers_are_width_folded_and_trimmed() {
        let served = draw_questions(&bank(), 5, 7, &HashSet::new());
        let fill = served.iter().find(|q| q.key == "f1").unwrap();
        for ok in ["20", " ２０ ", "二十", "\u{3000}二十"] {
            assert!(
                is_correct(fill, Some(&AnswerInput::Text(ok.into()))),
                "{ok:?}"
            );
        }
        for wrong in ["", "2 0", "21", "二十一"] {
            assert!(
                !is_correct(fill, Some(&AnswerInput::Text(wrong.into()))),
                "{wrong:?}"
            );
        }
        let multi = served.iter().find(|q| q.key == "m1").unwrap();
        let pick = |v: &[&str]| Some(AnswerInput::Choices(by_text(multi, v)));
        assert!(is_correct(multi, pick(&["丁", "甲"]).as_ref()));
        assert!(!is_correct(multi, pick(&["甲"]).as_ref()), "all or nothing");
        assert!(!is_correct(multi, pick(&["甲", "丁", "丁"]).as_ref()));
        assert!(!is_correct(multi, pick(&["甲", "丁", "戊"]).as_ref()));
    }

    /// The option ids of `question` whose texts are `texts`.
    fn by_text(question: &ServedQuestion, texts: &[&str]) -> Vec<String> {
        texts
            .iter()
            .map(|t| {
                question
                    .options
                    .iter()
                    .find(|o| o.text == *t)
                    .map(|o| o.id.clone())
                    .unwrap()
            })
            .collect()
    }

    #[test]
    fn ids_are_drawn_per_attempt_so_one_attempts_key_fails_in_another() {
        let first = draw_questions(&bank(), 5, 1, &HashSet::new());
        let second = draw_questions(&bank(), 5, 2, &HashSet::new());
        // The right answers of the first attempt, by its own ids.
        let key: BTreeMap<String, AnswerInput> = first
            .iter()
            .map(|q| (q.public_id().to_string(), q.answer.clone()))
            .collect();
        assert_eq!(grade(&first, &key, 60).score, 100);
        let first_ids: HashSet<&str> = first
            .iter()
            .flat_map(|q| {
                q.options
                    .iter()
                    .map(|o| o.id.as_str())
                    .chain([q.public_id()])
            })
            .collect();
        for q in &second {
            assert!(!first_ids.contains(q.public_id()), "question id reused");
            assert_ne!(q.public_id(), q.key, "the bank's id is not shown");
            for o in &q.options {
                assert!(!first_ids.contains(o.id.as_str()), "option id reused");
            }
        }
        // Replayed by question: the first attempt's option ids mean nothing in the second.
        let replayed: BTreeMap<String, AnswerInput> = second
            .iter()
            .filter_map(|q| {
                let old = first.iter().find(|f| f.key == q.key)?;
                Some((q.public_id().to_string(), old.answer.clone()))
            })
            .collect();
        let result = grade(&second, &replayed, 60);
        let choice_questions = second
            .iter()
            .filter(|q| matches!(q.kind.as_str(), "single" | "multiple"))
            .count() as u32;
        assert!(
            result.score <= 100 - choice_questions * 20,
            "{}",
            result.score
        );
        // Hidden until the course's rule reveals them.
        let hidden = present(result.clone(), false, Reveal::AfterPass);
        assert!(hidden
            .results
            .iter()
            .all(|r| r.expected.is_none() && r.explanation.is_none()));
        let json = serde_json::to_string(&hidden).unwrap();
        assert!(
            !json.contains("expected") && !json.contains("explanation"),
            "{json}"
        );
        assert!(present(result, true, Reveal::AfterPass).results[0]
            .expected
            .is_some());
    }

    #[test]
    fn the_same_seed_draws_the_same_attempt() {
        let a = draw_questions(&bank(), 3, 42, &HashSet::new());
        let b = draw_questions(&bank(), 3, 42, &HashSet::new());
        assert_eq!(a, b);
        let seen: HashSet<String> = a.iter().map(|q| q.key.clone()).collect();
        let next = draw_questions(&bank(), 2, 43, &seen);
        assert!(
            next.iter().all(|q| !seen.contains(&q.key)),
            "unseen questions come first"
        );
    }

    proptest! {
        #[test]
        fn grading_is_bounded_stable_and_blind_to_option_order(
            seed in any::<u64>(),
            other_seed in any::<u64>(),
            answers in proptest::collection::vec(answer_strategy(), 5),
            pass_mark in 1u32..=100,
        ) {
            let keys = ["s1", "m1", "t1", "f1", "s2"];
            // Answers by bank position ("#2" = the bank's third option), put into the ids of
            // one attempt (an unknown position stays a foreign id).
            let in_attempt = |served: &[ServedQuestion]| -> BTreeMap<String, AnswerInput> {
                let bank = bank();
                keys.iter().zip(answers.clone()).filter_map(|(k, a)| {
                    let q = served.iter().find(|q| q.key == *k)?;
                    let a = match a? {
                        AnswerInput::Choices(picked) => {
                            let texts: Vec<String> = serde_json::from_str(&bank.iter().find(|b| b.0 == *k).unwrap().3).unwrap();
                            AnswerInput::Choices(picked.iter().map(|p| {
                                let i: usize = p[1..].parse().unwrap();
                                texts.get(i).and_then(|t| q.options.iter().find(|o| &o.text == t)).map(|o| o.id.clone()).unwrap_or_else(|| p.clone())
                            }).collect())
                        }
                        other => other,
                    };
                    Some((q.public_id().to_string(), a))
                }).collect()
            };
            let served = draw_questions(&bank(), 5, seed, &HashSet::new());
            let given = in_attempt(&served);
            let result = grade(&served, &given, pass_mark);
            prop_assert!(result.score <= 100);
            prop_assert_eq!(result.passed, result.score >= pass_mark);
            // Regrading gives the same result.
            prop_assert_eq!(&grade(&served, &given, pass_mark), &result);
            // The same choices in another attempt (other ids, other order) score the same.
            let other = draw_questions(&bank(), 5, other_seed, &HashSet::new());
            prop_assert_eq!(grade(&other, &in_attempt(&other), pass_mark).score, result.score);
        }
    }
}

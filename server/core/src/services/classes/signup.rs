//! Seats and the wait-list. Every change to a class's sign-ups runs in one write transaction
//! holding the class's row lock (PostgreSQL `FOR UPDATE`; SQLite's single writer), so when many
//! women press "sign up" for the last seat at once exactly one gets it and the others are
//! wait-listed in the order their requests took the lock.

use diesel::prelude::*;

use super::{count_signups, load, remind_at, require_visible, signup_of, tell, Notice, SessionRow};
use crate::config::Config;
use crate::db::schema::{class_signups, enrollments};
use crate::db::types::{CourseId, UserId};
use crate::db::{lock_for_update, write_tx, DbConn, RowLock};
use crate::domain::{SessionState, SignupStatus};
use crate::dto::SignupView;
use crate::services::actor::Actor;
use crate::services::{now, Core};
use crate::ServiceError;

/// She signs up for a class that has not started (enrolling her in its course if she is not):
/// a seat while there is one, else the wait-list. Signing up again returns her place.
pub async fn sign_up(core: &Core, actor: &Actor, id: String) -> Result<SignupView, ServiceError> {
    let actor = actor.clone();
    core.run(move |conn, _| {
        let row = require_visible(conn, &actor, &id)?;
        write_tx(conn, |conn| {
            lock_for_update(conn, RowLock::ClassSession(row.id.0))?;
            let row = load(conn, &id)?;
            open_for_signup(&row)?;
            let user = UserId(actor.user_id);
            if let Some(place) = signup_of(conn, row.id, user)? {
                return Ok(place);
            }
            enrol_for_class(conn, user, row.course_id)?;
            insert_signup(conn, &row, user)?;
            Ok(signup_of(conn, row.id, user)?.expect("just signed up"))
        })
    })
    .await
}

pub(super) fn open_for_signup(row: &SessionRow) -> Result<(), ServiceError> {
    if row.state == SessionState::Cancelled {
        return Err(ServiceError::SessionCancelled);
    }
    if now() >= row.starts_at {
        return Err(ServiceError::SessionStarted);
    }
    Ok(())
}

/// Takes a seat if one is free, else a place at the end of the wait-list. Call with the
/// class's row lock held.
pub(super) fn insert_signup(
    conn: &mut DbConn,
    row: &SessionRow,
    user: UserId,
) -> Result<SignupStatus, ServiceError> {
    let confirmed = count_signups(conn, row.id, SignupStatus::Confirmed)?;
    let status = match row.capacity {
        Some(seats) if confirmed >= seats => SignupStatus::Waitlisted,
        _ => SignupStatus::Confirmed,
    };
    diesel::insert_into(class_signups::table)
        .values((
            class_signups::session_id.eq(row.id),
            class_signups::user_id.eq(user),
            class_signups::status.eq(status),
            class_signups::signed_up_at.eq(now()),
            class_signups::remind_at.eq(remind_at(row.starts_at)),
        ))
        .execute(conn)?;
    Ok(status)
}

/// Enrols her in the class's course if she is not (prerequisites are not asked for a class:
/// the trainer decides who sits in her room).
pub(super) fn enrol_for_class(
    conn: &mut DbConn,
    user: UserId,
    course: CourseId,
) -> QueryResult<i64> {
    if let Some(id) = crate::services::enrolment::enrollment_of(conn, user.0, course.0)? {
        return Ok(id);
    }
    diesel::insert_into(enrollments::table)
        .values((
            enrollments::user_id.eq(user),
            enrollments::course_id.eq(course),
            enrollments::enrolled_at.eq(now()),
        ))
        .execute(conn)?;
    Ok(crate::services::enrolment::enrollment_of(conn, user.0, course.0)?.expect("just enrolled"))
}

/// She gives up her place before the class starts; a freed seat goes to the first on the
/// wait-list, who is told. Cancelling when not signed up changes nothing.
pub async fn cancel_signup(core: &Core, actor: &Actor, id: String) -> Result<(), ServiceError> {
    let actor = actor.clone();
    core.run(move |conn, config| {
        let row = require_visible(conn, &actor, &id)?;
        write_tx(conn, |conn| {
            lock_for_update(conn, RowLock::ClassSession(row.id.0))?;
            let row = load(conn, &id)?;
            if now() >= row.starts_at {
                return Err(ServiceError::SessionStarted);
            }
            diesel::delete(
                class_signups::table
                    .filter(class_signups::session_id.eq(row.id))
                    .filter(class_signups::user_id.eq(UserId(actor.user_id))),
            )
            .execute(conn)?;
            if row.state == SessionState::Scheduled {
                promote(conn, config, &row)?;
            }
            Ok(())
        })
    })
    .await
}

/// Gives free seats to the wait-list in sign-up order, telling each woman promoted. Call with
/// the class's row lock held.
pub(super) fn promote(conn: &mut DbConn, config: &Config, row: &SessionRow) -> QueryResult<()> {
    loop {
        let confirmed = count_signups(conn, row.id, SignupStatus::Confirmed)?;
        if row.capacity.is_some_and(|seats| confirmed >= seats) {
            return Ok(());
        }
        let next: Option<(i64, UserId)> = class_signups::table
            .filter(class_signups::session_id.eq(row.id))
            .filter(class_signups::status.eq(SignupStatus::Waitlisted))
            .order(class_signups::id.asc())
            .select((class_signups::id, class_signups::user_id))
            .first(conn)
            .optional()?;
        let Some((signup, user)) = next else {
            return Ok(());
        };
        diesel::update(class_signups::table.find(signup))
            .set(class_signups::status.eq(SignupStatus::Confirmed))
            .execute(conn)?;
        tell(conn, config, row, user, Notice::Promoted)?;
    }
}

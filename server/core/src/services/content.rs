//! Published lesson content, kept in memory per process and keyed by course version.
//!
//! Why: the lesson page is what tens of thousands of women open on a campaign evening, and its
//! largest read is the same rendered lesson HTML every time. A course's lessons never change
//! under the same version (an import with different files must bump it, see `catalog`), so
//! `(course id, version)` names the content exactly: each request still reads the course row
//! (visibility, archiving and the current version are always fresh from the database), and a
//! re-import — by this process, another server on the same PostgreSQL, or the command line —
//! is a new version, which the next page view on every process loads. Nothing to invalidate,
//! nothing shared between processes.

use std::collections::HashMap;
use std::sync::{Arc, RwLock};

use diesel::prelude::*;

use crate::db::schema::lessons;
use crate::db::DbConn;

/// One active lesson of a course version, with its rendered HTML.
#[derive(Debug, Clone, Queryable)]
pub(crate) struct CachedLesson {
    pub id: i64,
    pub key: String,
    pub title: String,
    pub minutes: i32,
    pub html: String,
}

/// A course version's active lessons, in order.
pub(crate) struct CourseContent {
    pub version: String,
    pub lessons: Vec<CachedLesson>,
}

/// The per-process cache: one entry per course (its newest version seen).
#[derive(Default)]
pub struct ContentCache {
    courses: RwLock<HashMap<i64, Arc<CourseContent>>>,
}

impl ContentCache {
    /// The lessons of `course_id` at `version` (as just read from its course row).
    pub(crate) fn lessons(
        &self,
        conn: &mut DbConn,
        course_id: i64,
        version: &str,
    ) -> QueryResult<Arc<CourseContent>> {
        if let Some(content) = self
            .courses
            .read()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .get(&course_id)
            .filter(|c| c.version == version)
        {
            return Ok(content.clone());
        }
        let lessons = lessons::table
            .filter(lessons::course_id.eq(course_id))
            .filter(lessons::active.eq(true))
            .order(lessons::position.asc())
            .select((
                lessons::id,
                lessons::lesson_key,
                lessons::title,
                lessons::minutes,
                lessons::html,
            ))
            .load::<CachedLesson>(conn)?;
        let content = Arc::new(CourseContent {
            version: version.to_string(),
            lessons,
        });
        self.courses
            .write()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .insert(course_id, content.clone());
        Ok(content)
    }
}

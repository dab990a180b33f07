//! The diesel schema, written by hand to match both migration folders.

diesel::table! {
    orgs (id) {
        id -> BigInt,
        code -> Text,
        name -> Text,
        name_en -> Nullable<Text>,
        kind -> Text,
        parent_id -> Nullable<BigInt>,
        path -> Text,
        depth -> Integer,
        created_at -> Timestamp,
    }
}

diesel::table! {
    users (id) {
        id -> BigInt,
        public_id -> Text,
        name -> Text,
        phone -> Text,
        email -> Nullable<Text>,
        password_hash -> Nullable<Text>,
        gender -> Text,
        org_id -> BigInt,
        consent_version -> Nullable<Text>,
        consent_at -> Nullable<Timestamp>,
        disabled -> Bool,
        created_at -> Timestamp,
        deleted_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    role_grants (id) {
        id -> BigInt,
        user_id -> BigInt,
        role -> Text,
        org_id -> BigInt,
        created_at -> Timestamp,
    }
}

diesel::table! {
    sessions (id) {
        id -> BigInt,
        token_hash -> Text,
        user_id -> BigInt,
        created_at -> Timestamp,
        expires_at -> Timestamp,
        revoked_at -> Nullable<Timestamp>,
        device -> Text,
        last_seen_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    password_tokens (id) {
        id -> BigInt,
        token_hash -> Text,
        user_id -> BigInt,
        purpose -> Text,
        created_at -> Timestamp,
        expires_at -> Timestamp,
        used_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    login_failures (id) {
        id -> BigInt,
        login_key -> Text,
        client_ip -> Text,
        failed_at -> Timestamp,
    }
}

diesel::table! {
    outbox (id) {
        id -> BigInt,
        recipient -> Text,
        subject -> Text,
        body_text -> Text,
        created_at -> Timestamp,
        next_attempt_at -> Timestamp,
        attempts -> Integer,
        locked_until -> Nullable<Timestamp>,
        locked_by -> Nullable<Text>,
        sent_at -> Nullable<Timestamp>,
        last_error -> Nullable<Text>,
        channel -> Text,
    }
}

diesel::table! {
    skills (id) {
        id -> BigInt,
        code -> Text,
        name -> Text,
        name_en -> Text,
        levels -> Text,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    courses (id) {
        id -> BigInt,
        code -> Text,
        version -> Text,
        content_hash -> Text,
        title -> Text,
        title_en -> Nullable<Text>,
        tier -> Integer,
        mode -> Text,
        hours -> Double,
        summary -> Text,
        prerequisites -> Text,
        skills -> Text,
        quiz_draw -> Nullable<Integer>,
        quiz_pass_mark -> Nullable<Integer>,
        quiz_max_attempts -> Nullable<Integer>,
        quiz_time_limit_minutes -> Nullable<Integer>,
        complete_lessons -> Bool,
        complete_quiz -> Bool,
        complete_attendance -> Bool,
        org_id -> BigInt,
        source -> Text,
        status -> Text,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        quiz_reveal -> Text,
        summary_en -> Nullable<Text>,
        complete_practical -> Bool,
        practical_pass_mark -> Nullable<Integer>,
    }
}

diesel::table! {
    lessons (id) {
        id -> BigInt,
        course_id -> BigInt,
        lesson_key -> Text,
        position -> Integer,
        title -> Text,
        minutes -> Integer,
        markdown -> Text,
        html -> Text,
        active -> Bool,
    }
}

diesel::table! {
    questions (id) {
        id -> BigInt,
        course_id -> BigInt,
        question_key -> Text,
        position -> Integer,
        kind -> Text,
        text -> Text,
        options -> Text,
        answer -> Text,
        explanation -> Text,
        active -> Bool,
    }
}

diesel::table! {
    course_media (id) {
        id -> BigInt,
        course_id -> BigInt,
        path -> Text,
        content_type -> Text,
        bytes -> Binary,
    }
}

diesel::table! {
    lesson_progress (id) {
        id -> BigInt,
        user_id -> BigInt,
        lesson_id -> BigInt,
        completed_at -> Timestamp,
    }
}

diesel::table! {
    pack_uploads (id) {
        id -> BigInt,
        public_id -> Text,
        user_id -> BigInt,
        org_id -> BigInt,
        file_name -> Text,
        course_code -> Nullable<Text>,
        version -> Nullable<Text>,
        archive -> Binary,
        problems -> Text,
        preview -> Text,
        status -> Text,
        created_at -> Timestamp,
        published_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    enrollments (id) {
        id -> BigInt,
        user_id -> BigInt,
        course_id -> BigInt,
        enrolled_at -> Timestamp,
        completed_at -> Nullable<Timestamp>,
        evidence -> Nullable<Text>,
        completed_org_id -> Nullable<BigInt>,
        completed_org_path -> Nullable<Text>,
        extra_attempts -> Integer,
    }
}

diesel::table! {
    quiz_attempts (id) {
        id -> BigInt,
        public_id -> Text,
        user_id -> BigInt,
        course_id -> BigInt,
        enrollment_id -> BigInt,
        seed -> BigInt,
        served -> Text,
        answers -> Text,
        started_at -> Timestamp,
        deadline -> Nullable<Timestamp>,
        submitted_at -> Nullable<Timestamp>,
        score -> Nullable<Integer>,
        passed -> Nullable<Bool>,
        result -> Nullable<Text>,
    }
}

diesel::table! {
    first_completions (user_id) {
        user_id -> BigInt,
        enrollment_id -> BigInt,
        org_id -> BigInt,
        org_path -> Text,
        gender -> Text,
        completed_at -> Timestamp,
    }
}

diesel::table! {
    class_sessions (id) {
        id -> BigInt,
        public_id -> Text,
        course_id -> BigInt,
        org_id -> BigInt,
        trainer_id -> BigInt,
        location -> Text,
        starts_at -> Timestamp,
        ends_at -> Timestamp,
        created_at -> Timestamp,
        capacity -> Nullable<BigInt>,
        notes -> Text,
        state -> Text,
        cancelled_at -> Nullable<Timestamp>,
        code_secret -> Binary,
    }
}

diesel::table! {
    skill_records (id) {
        id -> BigInt,
        user_id -> BigInt,
        skill_id -> BigInt,
        level -> Integer,
        source -> Text,
        enrollment_id -> Nullable<BigInt>,
        confirmed_by -> Nullable<BigInt>,
        reason -> Nullable<Text>,
        recorded_at -> Timestamp,
        withdrawn_at -> Nullable<Timestamp>,
        withdrawn_reason -> Nullable<Text>,
        result_id -> Nullable<BigInt>,
    }
}

diesel::table! {
    skill_level_stats (org_id, skill_id, level) {
        org_id -> BigInt,
        skill_id -> BigInt,
        level -> Integer,
        women -> BigInt,
    }
}

diesel::table! {
    consents (user_id) {
        user_id -> BigInt,
        skills_visible -> Bool,
        talent_pool -> Bool,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    class_signups (id) {
        id -> BigInt,
        session_id -> BigInt,
        user_id -> BigInt,
        status -> Text,
        signed_up_at -> Timestamp,
        remind_at -> Timestamp,
        reminder_sent_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    attendances (id) {
        id -> BigInt,
        session_id -> BigInt,
        user_id -> BigInt,
        method -> Text,
        recorded_by -> Nullable<BigInt>,
        checked_in_at -> Timestamp,
        practical_score -> Nullable<Integer>,
        scored_by -> Nullable<BigInt>,
        scored_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    signing_keys (id) {
        id -> BigInt,
        key_id -> Text,
        secret_key -> Binary,
        public_key -> Binary,
        created_at -> Timestamp,
        retired_at -> Nullable<Timestamp>,
        sealed_with -> Nullable<Text>,
    }
}

diesel::table! {
    throttle_events (id) {
        id -> BigInt,
        bucket -> Text,
        subject -> Text,
        happened_at -> Timestamp,
    }
}

diesel::table! {
    org_stats (org_id, dimension, bucket) {
        org_id -> BigInt,
        dimension -> Text,
        bucket -> Text,
        women_trained -> BigInt,
        learners_trained -> BigInt,
        women_completions -> BigInt,
        completions -> BigInt,
        women_hours -> Double,
        hours -> Double,
    }
}

diesel::table! {
    org_targets (org_id) {
        org_id -> BigInt,
        target -> BigInt,
        deadline -> Date,
        set_by -> Nullable<BigInt>,
        set_at -> Timestamp,
    }
}

diesel::table! {
    export_audit (id) {
        id -> BigInt,
        user_id -> BigInt,
        org_id -> BigInt,
        what -> Text,
        filters -> Text,
        exported_at -> Timestamp,
    }
}

diesel::table! {
    audit_log (id) {
        id -> BigInt,
        actor_id -> BigInt,
        action -> Text,
        subject_id -> Nullable<BigInt>,
        org_id -> Nullable<BigInt>,
        detail -> Text,
        at -> Timestamp,
    }
}

diesel::table! {
    certificates (id) {
        id -> BigInt,
        serial -> Text,
        enrollment_id -> BigInt,
        user_id -> BigInt,
        course_id -> BigInt,
        holder_name -> Text,
        course_title -> Text,
        course_version -> Text,
        tier -> Integer,
        hours -> Double,
        issuer_org_id -> BigInt,
        issued_at -> Timestamp,
        credential -> Text,
        revoked_at -> Nullable<Timestamp>,
        revoked_reason -> Nullable<Text>,
        revoked_by -> Nullable<BigInt>,
        credential_digest -> Nullable<Text>,
    }
}

diesel::table! {
    studios (id) {
        id -> BigInt,
        public_id -> Text,
        name -> Text,
        org_id -> BigInt,
        leader_id -> BigInt,
        skills -> Text,
        description -> Text,
        created_by -> BigInt,
        created_at -> Timestamp,
    }
}

diesel::table! {
    studio_members (id) {
        id -> BigInt,
        studio_id -> BigInt,
        user_id -> BigInt,
        status -> Text,
        since -> Timestamp,
    }
}

diesel::table! {
    studio_achievements (id) {
        id -> BigInt,
        studio_id -> BigInt,
        achieved_on -> Date,
        kind -> Text,
        title -> Text,
        description -> Text,
        attachment_name -> Nullable<Text>,
        attachment_type -> Nullable<Text>,
        attachment -> Nullable<Binary>,
        recorded_by -> BigInt,
        recorded_at -> Timestamp,
    }
}

diesel::table! {
    competitions (id) {
        id -> BigInt,
        public_id -> Text,
        title -> Text,
        org_id -> BigInt,
        level -> Text,
        skills -> Text,
        min_levels -> Text,
        women_only -> Bool,
        min_account_days -> Integer,
        eligible_org_id -> Nullable<BigInt>,
        registration_opens -> Date,
        registration_closes -> Date,
        theory_course_id -> Nullable<BigInt>,
        theory_starts_at -> Nullable<Timestamp>,
        theory_minutes -> Nullable<Integer>,
        theory_draw -> Nullable<Integer>,
        created_by -> BigInt,
        created_at -> Timestamp,
    }
}

diesel::table! {
    competition_registrations (id) {
        id -> BigInt,
        competition_id -> BigInt,
        user_id -> BigInt,
        registered_at -> Timestamp,
    }
}

diesel::table! {
    theory_attempts (id) {
        id -> BigInt,
        public_id -> Text,
        competition_id -> BigInt,
        user_id -> BigInt,
        seed -> BigInt,
        served -> Text,
        answers -> Text,
        started_at -> Timestamp,
        deadline -> Timestamp,
        submitted_at -> Nullable<Timestamp>,
        score -> Nullable<Integer>,
    }
}

diesel::table! {
    competition_results (id) {
        id -> BigInt,
        competition_id -> BigInt,
        user_id -> BigInt,
        rank -> Integer,
        score -> Nullable<Integer>,
        award -> Nullable<Text>,
        entered_by -> BigInt,
        entered_at -> Timestamp,
    }
}

diesel::joinable!(quiz_attempts -> enrollments (enrollment_id));
diesel::joinable!(quiz_attempts -> courses (course_id));
diesel::joinable!(enrollments -> users (user_id));
diesel::joinable!(enrollments -> courses (course_id));
diesel::joinable!(pack_uploads -> users (user_id));
diesel::joinable!(pack_uploads -> orgs (org_id));
diesel::joinable!(courses -> orgs (org_id));
diesel::joinable!(lessons -> courses (course_id));
diesel::joinable!(questions -> courses (course_id));
diesel::joinable!(course_media -> courses (course_id));
diesel::joinable!(lesson_progress -> lessons (lesson_id));
diesel::joinable!(lesson_progress -> users (user_id));
diesel::joinable!(users -> orgs (org_id));
diesel::joinable!(role_grants -> users (user_id));
diesel::joinable!(role_grants -> orgs (org_id));
diesel::joinable!(sessions -> users (user_id));
diesel::joinable!(password_tokens -> users (user_id));
diesel::joinable!(first_completions -> users (user_id));
diesel::joinable!(class_sessions -> courses (course_id));
diesel::joinable!(attendances -> class_sessions (session_id));
diesel::joinable!(class_signups -> class_sessions (session_id));
diesel::joinable!(skill_records -> skills (skill_id));
diesel::joinable!(studios -> orgs (org_id));
diesel::joinable!(studio_members -> studios (studio_id));
diesel::joinable!(studio_members -> users (user_id));
diesel::joinable!(studio_achievements -> studios (studio_id));
diesel::joinable!(competitions -> orgs (org_id));
diesel::joinable!(competition_registrations -> competitions (competition_id));
diesel::joinable!(competition_registrations -> users (user_id));
diesel::joinable!(theory_attempts -> competitions (competition_id));
diesel::joinable!(competition_results -> competitions (competition_id));
diesel::joinable!(competition_results -> users (user_id));
diesel::joinable!(class_signups -> users (user_id));
diesel::joinable!(class_sessions -> orgs (org_id));
diesel::joinable!(certificates -> courses (course_id));
diesel::joinable!(org_stats -> orgs (org_id));
diesel::joinable!(org_targets -> orgs (org_id));
diesel::joinable!(certificates -> orgs (issuer_org_id));

diesel::allow_tables_to_appear_in_same_query!(
    orgs,
    users,
    role_grants,
    sessions,
    password_tokens,
    login_failures,
    outbox,
    skills,
    courses,
    lessons,
    questions,
    course_media,
    lesson_progress,
    pack_uploads,
    enrollments,
    quiz_attempts,
    first_completions,
    class_sessions,
    class_signups,
    skill_records,
    skill_level_stats,
    consents,
    studios,
    studio_members,
    studio_achievements,
    competitions,
    competition_registrations,
    theory_attempts,
    competition_results,
    attendances,
    signing_keys,
    certificates,
    throttle_events,
    org_stats,
    org_targets,
    export_audit,
    audit_log,
);

//! Accounts: registration, login and sessions, the current user, password reset by single-use
//! links (emailed, or sent by SMS to an account without email when SMS is on), and creating
//! administrators from the command line. Her own settings (password, email) are in
//! `account_settings`, which builds on the helpers here (never the other way round).

use chrono::Duration;
use diesel::prelude::*;
use serde::Deserialize;

use super::actor::{Actor, Grant};
use super::passwords::hash_password;
use super::tokens::{hash_secret, new_public_id, new_secret};
use super::{now, orgs, outbox, throttle, Core};
use crate::config::Config;
use crate::db::models::{OrgRow, PasswordTokenRow, UserRow};
use crate::db::schema::{
    login_failures, orgs as orgs_t, password_tokens, role_grants, sessions, users,
};
use crate::db::{unique_violation, write_tx, DbConn};
use crate::domain::{
    mask_phone, DomainError, Email, Gender, OrgCode, Password, PersonName, Phone, Role,
};
use crate::dto::{AccountView, OrgRef, RoleView, UserView};
use crate::ServiceError;

pub use crate::dto::PRIVACY_NOTICE_VERSION;
/// Failed logins allowed from one address within [`FAILURE_WINDOW_MINUTES`], whatever the
/// accounts; past it, that address waits (and only that address).
pub const MAX_FAILED_LOGINS: i64 = 10;
pub const FAILURE_WINDOW_MINUTES: i64 = 15;
/// An account is locked everywhere only by a spread attack: this many failures in the window
/// from at least [`ACCOUNT_LOCK_ADDRESSES`] different addresses. One address can never lock
/// an account out for its owner elsewhere.
pub const ACCOUNT_LOCK_FAILURES: i64 = 30;
pub const ACCOUNT_LOCK_ADDRESSES: usize = 3;
/// Password reset requests per login (counted whether or not it is registered, so the limit
/// reveals nothing) and per address, within 15 minutes.
pub const RESET_REQUESTS_PER_LOGIN: i64 = 3;
pub const RESET_REQUESTS_PER_ADDRESS: i64 = 20;
/// Registrations refused as duplicates from one address within 15 minutes (whole classes
/// register from one address, so only the duplicates, the enumeration oracle, count).
pub const DUPLICATE_REGISTRATIONS_PER_ADDRESS: i64 = 10;
/// Registrations of any kind from one address within 15 minutes: room for a training room
/// full of women on one Wi-Fi, not for registering other people's numbers in bulk.
pub const REGISTRATIONS_PER_ADDRESS: i64 = 100;

pub(crate) const PURPOSE_RESET: &str = "reset";
const PURPOSE_SETUP: &str = "setup";

/// A registration form, as sent to `POST /api/v1/auth/register`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RegisterInput {
    pub name: String,
    pub phone: String,
    #[serde(default)]
    pub email: Option<String>,
    pub password: String,
    pub gender: String,
    pub org: String,
    pub consent: bool,
}

struct ValidRegistration {
    name: PersonName,
    phone: Phone,
    email: Option<Email>,
    password: Password,
    gender: Gender,
    org: OrgCode,
}

impl RegisterInput {
    /// Checks every field and reports all that are wrong, in the form's order.
    fn validate(&self) -> Result<ValidRegistration, ServiceError> {
        fn check<T>(errors: &mut Vec<DomainError>, result: Result<T, DomainError>) -> Option<T> {
            result.map_err(|e| errors.push(e)).ok()
        }
        let mut errors = Vec::new();
        let name = check(&mut errors, PersonName::parse(&self.name));
        let phone = check(&mut errors, Phone::parse(&self.phone));
        let email = match self.email.as_deref().map(str::trim) {
            None | Some("") => Some(None),
            Some(e) => check(&mut errors, Email::parse(e)).map(Some),
        };
        let password = check(&mut errors, Password::parse(&self.password));
        let gender = check(&mut errors, Gender::parse(&self.gender));
        let org = check(&mut errors, OrgCode::parse(&self.org, "org"));
        if !self.consent {
            errors.push(DomainError::Consent);
        }
        match (name, phone, email, password, gender, org) {
            (Some(name), Some(phone), Some(email), Some(password), Some(gender), Some(org))
                if errors.is_empty() =>
            {
                Ok(ValidRegistration {
                    name,
                    phone,
                    email,
                    password,
                    gender,
                    org,
                })
            }
            _ if errors.len() == 1 => Err(ServiceError::Invalid(errors.remove(0))),
            _ => Err(ServiceError::InvalidFields(errors)),
        }
    }
}

/// The password hashed in place of a check for an unknown account, or one with no password,
/// so that both take as long as a real check (a test keeps it a valid password).
const TIMING_EQUALISER: &str = "timing-equaliser";

/// Registers a learner. Returns 409-style conflicts naming `phone` or `email`; after
/// [`DUPLICATE_REGISTRATIONS_PER_ADDRESS`] of those from one address, 429.
pub async fn register(
    core: &Core,
    input: RegisterInput,
    client_ip: String,
) -> Result<UserView, ServiceError> {
    let valid = input.validate()?;
    valid
        .password
        .check_strength(&[valid.phone.as_str(), valid.name.as_str()])?;
    let ip = client_ip.clone();
    let (phone, email) = (valid.phone.clone(), valid.email.clone());
    core.run(move |conn, _| {
        if throttle::exhausted(
            conn,
            throttle::DUPLICATE_REGISTRATION,
            &ip,
            DUPLICATE_REGISTRATIONS_PER_ADDRESS,
        )? || throttle::exhausted(conn, throttle::REGISTRATION, &ip, REGISTRATIONS_PER_ADDRESS)?
        {
            return Err(ServiceError::RateLimited {
                what: "registrations of numbers or emails already registered",
            });
        }
        // A duplicate is refused (and counted) before any hashing; a registration racing
        // this one is caught by the unique keys in `insert_user`.
        if let Err(conflict) = ensure_free(conn, &phone, email.as_ref()) {
            if matches!(conflict, ServiceError::Conflict { .. }) {
                write_tx(conn, |conn| {
                    throttle::record(conn, throttle::DUPLICATE_REGISTRATION, &ip)
                })?;
            }
            return Err(conflict);
        }
        Ok(())
    })
    .await?;
    // Hashing holds no database connection, and waits its turn (see `Core::hash_work`).
    let password = valid.password.clone();
    let password_hash = core.hash_work(move |s| s.hash(&password)).await??;
    core.run(move |conn, _| {
        write_tx(conn, |conn| {
            let org = orgs::require(conn, &valid.org, "org")?;
            let user = insert_user(
                conn,
                NewUser {
                    name: &valid.name,
                    phone: &valid.phone,
                    email: valid.email.as_ref(),
                    password_hash: Some(password_hash),
                    gender: valid.gender,
                    org: &org,
                    consent: true,
                },
            )?;
            throttle::record(conn, throttle::REGISTRATION, &client_ip)?;
            grant(conn, user.id, Role::Learner, org.id)?;
            user_view(conn, &user)
        })
    })
    .await
}

fn ensure_free(
    conn: &mut DbConn,
    phone: &Phone,
    email: Option<&Email>,
) -> Result<(), ServiceError> {
    let phone_taken: i64 = users::table
        .filter(users::phone.eq(phone.as_str()))
        .count()
        .get_result(conn)?;
    if phone_taken > 0 {
        return Err(ServiceError::Conflict { field: "phone" });
    }
    if let Some(email) = email {
        let taken: i64 = users::table
            .filter(users::email.eq(email.as_str()))
            .count()
            .get_result(conn)?;
        if taken > 0 {
            return Err(ServiceError::Conflict { field: "email" });
        }
    }
    Ok(())
}

struct NewUser<'a> {
    name: &'a PersonName,
    phone: &'a Phone,
    email: Option<&'a Email>,
    password_hash: Option<String>,
    gender: Gender,
    org: &'a OrgRow,
    consent: bool,
}

fn insert_user(conn: &mut DbConn, new: NewUser<'_>) -> Result<UserRow, ServiceError> {
    let public_id = new_public_id();
    let at = now();
    let inserted = diesel::insert_into(users::table)
        .values((
            users::public_id.eq(&public_id),
            users::name.eq(new.name.as_str()),
            users::phone.eq(new.phone.as_str()),
            users::email.eq(new.email.map(Email::as_str)),
            users::password_hash.eq(new.password_hash),
            users::gender.eq(new.gender),
            users::org_id.eq(new.org.id),
            users::consent_version.eq(new.consent.then_some(PRIVACY_NOTICE_VERSION)),
            users::consent_at.eq(new.consent.then_some(at)),
            users::disabled.eq(false),
            users::created_at.eq(at),
        ))
        .execute(conn);
    match inserted {
        Ok(_) => {}
        Err(e) => {
            return Err(match unique_violation(&e) {
                Some(what) if what.contains("email") => ServiceError::Conflict { field: "email" },
                Some(_) => ServiceError::Conflict { field: "phone" },
                None => e.into(),
            })
        }
    }
    Ok(users::table
        .filter(users::public_id.eq(&public_id))
        .select(UserRow::as_select())
        .first(conn)?)
}

pub(crate) fn grant(
    conn: &mut DbConn,
    user_id: i64,
    role: Role,
    org_id: i64,
) -> Result<(), ServiceError> {
    let exists: i64 = role_grants::table
        .filter(role_grants::user_id.eq(user_id))
        .filter(role_grants::role.eq(role))
        .filter(role_grants::org_id.eq(org_id))
        .count()
        .get_result(conn)?;
    if exists == 0 {
        diesel::insert_into(role_grants::table)
            .values((
                role_grants::user_id.eq(user_id),
                role_grants::role.eq(role),
                role_grants::org_id.eq(org_id),
                role_grants::created_at.eq(now()),
            ))
            .execute(conn)?;
    }
    Ok(())
}

pub(crate) fn grants_of(conn: &mut DbConn, user_id: i64) -> Result<Vec<Grant>, ServiceError> {
    // An unknown role in the database is a decode error, never a silently dropped grant.
    #[derive(Queryable)]
    struct GrantRow {
        role: Role,
        code: String,
        path: String,
        name: String,
        name_en: Option<String>,
    }
    let rows: Vec<GrantRow> = role_grants::table
        .inner_join(orgs_t::table)
        .filter(role_grants::user_id.eq(user_id))
        .select((
            role_grants::role,
            orgs_t::code,
            orgs_t::path,
            orgs_t::name,
            orgs_t::name_en,
        ))
        .order(role_grants::id.asc())
        .load(conn)?;
    Ok(rows
        .into_iter()
        .map(|row| Grant {
            role: row.role,
            org_code: row.code,
            org_path: row.path,
            org_name: row.name,
            org_name_en: row.name_en,
        })
        .collect())
}

/// Her roles as clients see them.
pub(crate) fn role_views(conn: &mut DbConn, user_id: i64) -> Result<Vec<RoleView>, ServiceError> {
    Ok(roles_of(grants_of(conn, user_id)?))
}

fn roles_of(grants: Vec<Grant>) -> Vec<RoleView> {
    grants
        .into_iter()
        .map(|g| RoleView {
            role: g.role.as_str().into(),
            org: g.org_code,
            org_name: g.org_name,
            org_name_en: g.org_name_en,
        })
        .collect()
}

pub(crate) fn user_view(conn: &mut DbConn, user: &UserRow) -> Result<UserView, ServiceError> {
    let roles = role_views(conn, user.id)?;
    user_view_with(conn, user, roles)
}

/// Her view with `roles` already known (a signed-in actor's grants).
fn user_view_with(
    conn: &mut DbConn,
    user: &UserRow,
    roles: Vec<RoleView>,
) -> Result<UserView, ServiceError> {
    let org = orgs::find_by_id(conn, user.org_id)?;
    Ok(UserView {
        id: user.public_id.clone(),
        name: user.name.clone(),
        phone: mask_phone(&user.phone),
        org: OrgRef {
            code: org.code,
            name: org.name,
            name_en: org.name_en,
        },
        roles,
    })
}

/// How a login string is keyed for lookups and failure counting.
fn login_key(login: &str) -> String {
    let trimmed = login.trim();
    if trimmed.contains('@') {
        trimmed.to_lowercase()
    } else {
        Phone::parse(trimmed)
            .map(|p| p.as_str().to_string())
            .unwrap_or_else(|_| trimmed.to_lowercase())
    }
}

fn find_by_login(conn: &mut DbConn, key: &str) -> QueryResult<Option<UserRow>> {
    let query = users::table.select(UserRow::as_select());
    if key.contains('@') {
        query.filter(users::email.eq(key)).first(conn).optional()
    } else {
        query.filter(users::phone.eq(key)).first(conn).optional()
    }
}

/// A signed-in session: the secret token for the cookie or `Authorization: Bearer`.
#[derive(Debug, Clone)]
pub struct LoginOutcome {
    pub token: String,
    pub user: UserView,
}

/// Checks a phone or email and password. After [`MAX_FAILED_LOGINS`] failures within the
/// window, for the account or for the client address, refuses with `TooManyAttempts`.
pub async fn login(
    core: &Core,
    login: String,
    password: String,
    client: Client,
) -> Result<LoginOutcome, ServiceError> {
    let Client {
        ip: client_ip,
        device,
    } = client;
    let key = login_key(&login);
    let (k, ip) = (key.clone(), client_ip.clone());
    let user = core
        .run(move |conn, _| {
            if login_locked(conn, &k, &ip)? {
                return Err(ServiceError::TooManyAttempts);
            }
            Ok(find_by_login(conn, &k)?)
        })
        .await?;
    // The hash is checked holding no database connection, and waits its turn (see
    // `Core::hash_work`), so a burst of logins cannot starve the pages of the pool or the CPU.
    let stored = match &user {
        Some(u) if !u.disabled => u.password_hash.clone(),
        _ => None,
    };
    let ok = core
        .hash_work(move |scratch| match stored {
            Some(hash) => scratch.verify(&password, &hash),
            None => {
                // Spend the same time as a real check, so timing does not reveal accounts
                // (nor which have no password yet).
                let _ = scratch.hash(&Password::parse(TIMING_EQUALISER).expect("valid"));
                false
            }
        })
        .await?;
    core.run(move |conn, config| {
        let Some(user) = user.filter(|_| ok) else {
            record_login_failure(conn, &key, &client_ip)?;
            return Err(ServiceError::BadCredentials);
        };
        write_tx(conn, |conn| {
            diesel::delete(login_failures::table.filter(login_failures::login_key.eq(&key)))
                .execute(conn)?;
            let token = start_session(conn, config, user.id, &device)?;
            Ok(LoginOutcome {
                token,
                user: user_view(conn, &user)?,
            })
        })
    })
    .await
}

/// Counts a wrong password for the login `key` (a normalised phone or email) from
/// `client_ip`, at login or when she confirms a change to her account.
pub(crate) fn record_login_failure(
    conn: &mut DbConn,
    key: &str,
    client_ip: &str,
) -> QueryResult<()> {
    diesel::insert_into(login_failures::table)
        .values((
            login_failures::login_key.eq(key),
            login_failures::client_ip.eq(client_ip),
            login_failures::failed_at.eq(now()),
        ))
        .execute(conn)?;
    Ok(())
}

/// Whether this address must wait ([`MAX_FAILED_LOGINS`] failures from it, on any accounts),
/// or the account is under a spread attack (failures from several addresses), in which case
/// every address waits.
pub(crate) fn login_locked(conn: &mut DbConn, key: &str, client_ip: &str) -> QueryResult<bool> {
    let since = now() - Duration::minutes(FAILURE_WINDOW_MINUTES);
    let by_ip: i64 = login_failures::table
        .filter(login_failures::client_ip.eq(client_ip))
        .filter(login_failures::failed_at.gt(since))
        .count()
        .get_result(conn)?;
    if by_ip >= MAX_FAILED_LOGINS {
        return Ok(true);
    }
    let by_key: i64 = login_failures::table
        .filter(login_failures::login_key.eq(key))
        .filter(login_failures::failed_at.gt(since))
        .count()
        .get_result(conn)?;
    if by_key < ACCOUNT_LOCK_FAILURES {
        return Ok(false);
    }
    let addresses: Vec<String> = login_failures::table
        .filter(login_failures::login_key.eq(key))
        .filter(login_failures::failed_at.gt(since))
        .select(login_failures::client_ip)
        .distinct()
        .load(conn)?;
    Ok(addresses.len() >= ACCOUNT_LOCK_ADDRESSES)
}

/// Who is signing in from where: her address (for throttling) and her device's label.
#[derive(Debug, Clone, Default)]
pub struct Client {
    pub ip: String,
    /// [`crate::domain::device_label`] of her browser's User-Agent.
    pub device: String,
}

impl Client {
    /// From the address and the raw User-Agent header.
    pub fn new(ip: String, user_agent: &str) -> Client {
        Client {
            ip,
            device: crate::domain::device_label(user_agent),
        }
    }
}

fn start_session(
    conn: &mut DbConn,
    config: &Config,
    user_id: i64,
    device: &str,
) -> Result<String, ServiceError> {
    let token = new_secret();
    let at = now();
    diesel::insert_into(sessions::table)
        .values((
            sessions::token_hash.eq(hash_secret(&token)),
            sessions::user_id.eq(user_id),
            sessions::created_at.eq(at),
            sessions::expires_at.eq(at + Duration::days(config.session_days)),
            sessions::device.eq(device),
            sessions::last_seen_at.eq(at),
        ))
        .execute(conn)?;
    Ok(token)
}

/// How stale `last_seen_at` may get before a request refreshes it: one write per session per
/// five minutes at most, not one per request.
const LAST_SEEN_EVERY_MINUTES: i64 = 5;

/// Registers and signs in at once (the registration page does this).
pub async fn register_and_sign_in(
    core: &Core,
    input: RegisterInput,
    client: Client,
) -> Result<LoginOutcome, ServiceError> {
    let Client { ip, device } = client;
    let user = register(core, input, ip).await?;
    let public_id = user.id.clone();
    core.run(move |conn, config| {
        let id: i64 = users::table
            .filter(users::public_id.eq(&public_id))
            .select(users::id)
            .first(conn)?;
        let token = start_session(conn, config, id, &device)?;
        Ok(LoginOutcome { token, user })
    })
    .await
}

/// Resolves a session token to the signed-in actor.
pub async fn authenticate(core: &Core, token: String) -> Result<Actor, ServiceError> {
    if token.len() != 64 {
        return Err(ServiceError::Unauthenticated);
    }
    core.run(move |conn, _| authenticated(conn, &token)).await
}

/// A page's signed-in user and her account as the page header shows it, in one trip to the
/// database (one connection, one hop to the blocking pool): what [`authenticate`] and then
/// [`account`] answer, her roles read once.
pub async fn page_session(
    core: &Core,
    token: String,
) -> Result<(Actor, AccountView), ServiceError> {
    if token.len() != 64 {
        return Err(ServiceError::Unauthenticated);
    }
    core.run(move |conn, _| {
        let actor = authenticated(conn, &token)?;
        let user: UserRow = users::table
            .find(actor.user_id)
            .select(UserRow::as_select())
            .first(conn)?;
        let view = user_view_with(conn, &user, roles_of(actor.grants.clone()))?;
        let account = account_of(view, &user);
        Ok((actor, account))
    })
    .await
}

/// The actor of a live session's token (its last use noted at most every few minutes).
fn authenticated(conn: &mut DbConn, token: &str) -> Result<Actor, ServiceError> {
    /// A live session and its user.
    #[derive(Queryable)]
    struct Found {
        session_id: i64,
        user_id: i64,
        public_id: String,
        disabled: bool,
        last_seen_at: Option<chrono::NaiveDateTime>,
    }
    let at = now();
    let found: Option<Found> = sessions::table
        .inner_join(users::table)
        .filter(sessions::token_hash.eq(hash_secret(token)))
        .filter(sessions::revoked_at.is_null())
        .filter(sessions::expires_at.gt(at))
        .select((
            sessions::id,
            users::id,
            users::public_id,
            users::disabled,
            sessions::last_seen_at,
        ))
        .first(conn)
        .optional()?;
    let stale = at - Duration::minutes(LAST_SEEN_EVERY_MINUTES);
    if let Some(found) = found
        .as_ref()
        .filter(|f| f.last_seen_at.is_none_or(|t| t < stale))
    {
        diesel::update(sessions::table.find(found.session_id))
            .set(sessions::last_seen_at.eq(at))
            .execute(conn)?;
    }
    match found {
        Some(Found {
            session_id,
            user_id,
            public_id,
            disabled: false,
            ..
        }) => Ok(Actor {
            user_id,
            public_id,
            session_id,
            grants: grants_of(conn, user_id)?,
        }),
        _ => Err(ServiceError::Unauthenticated),
    }
}

/// Ends the actor's session (the token stops working at once).
pub async fn logout(core: &Core, actor: &Actor) -> Result<(), ServiceError> {
    let session_id = actor.session_id;
    core.run(move |conn, _| {
        diesel::update(sessions::table.find(session_id))
            .set(sessions::revoked_at.eq(now()))
            .execute(conn)?;
        Ok(())
    })
    .await
}

/// The signed-in user, phone masked.
pub async fn me(core: &Core, actor: &Actor) -> Result<UserView, ServiceError> {
    Ok(account(core, actor).await?.user)
}

/// The signed-in user as she sees herself.
pub async fn account(core: &Core, actor: &Actor) -> Result<AccountView, ServiceError> {
    let user_id = actor.user_id;
    core.run(move |conn, _| {
        let user: UserRow = users::table
            .find(user_id)
            .select(UserRow::as_select())
            .first(conn)?;
        account_view(conn, &user)
    })
    .await
}

/// Her account as she sees it (her own phone unmasked).
pub(crate) fn account_view(conn: &mut DbConn, user: &UserRow) -> Result<AccountView, ServiceError> {
    Ok(account_of(user_view(conn, user)?, user))
}

/// Her account from her view and her row.
fn account_of(view: UserView, user: &UserRow) -> AccountView {
    AccountView {
        user: view,
        own_phone: user.phone.clone(),
        email: user.email.clone(),
        gender: user.gender.clone(),
        consent_version: user.consent_version.clone(),
    }
}

pub(crate) fn issue_password_token(
    conn: &mut DbConn,
    user_id: i64,
    purpose: &str,
    valid_for: Duration,
) -> Result<String, ServiceError> {
    let token = new_secret();
    let at = now();
    // A new link voids the account's earlier ones of the same purpose: only the newest
    // works. (A reset request never voids a set-up link her union gave her.)
    diesel::update(
        password_tokens::table
            .filter(password_tokens::user_id.eq(user_id))
            .filter(password_tokens::purpose.eq(purpose))
            .filter(password_tokens::used_at.is_null()),
    )
    .set(password_tokens::used_at.eq(at))
    .execute(conn)?;
    diesel::insert_into(password_tokens::table)
        .values((
            password_tokens::token_hash.eq(hash_secret(&token)),
            password_tokens::user_id.eq(user_id),
            password_tokens::purpose.eq(purpose),
            password_tokens::created_at.eq(at),
            password_tokens::expires_at.eq(at + valid_for),
        ))
        .execute(conn)?;
    Ok(token)
}

pub(crate) fn password_link(config: &Config, token: &str) -> String {
    format!(
        "{}/reset-password?token={token}",
        config.public_url.trim_end_matches('/')
    )
}

/// Emails a single-use reset link when the account exists and has an email address; when it
/// has none and SMS is on (`config.sms`), sends the link by SMS to her phone instead.
/// Always succeeds the same way, so it cannot be used to find out who is registered. Past
/// [`RESET_REQUESTS_PER_LOGIN`] requests for one login or [`RESET_REQUESTS_PER_ADDRESS`] from
/// one address in 15 minutes, refused (429) whether or not the login exists.
pub async fn request_password_reset(
    core: &Core,
    login: String,
    client_ip: String,
) -> Result<(), ServiceError> {
    let key = login_key(&login);
    core.run(move |conn, config| {
        if throttle::exhausted(conn, throttle::RESET_LOGIN, &key, RESET_REQUESTS_PER_LOGIN)?
            || throttle::exhausted(
                conn,
                throttle::RESET_ADDRESS,
                &client_ip,
                RESET_REQUESTS_PER_ADDRESS,
            )?
        {
            return Err(ServiceError::RateLimited {
                what: "password reset requests",
            });
        }
        write_tx(conn, |conn| {
            throttle::record(conn, throttle::RESET_LOGIN, &key)?;
            throttle::record(conn, throttle::RESET_ADDRESS, &client_ip)
        })?;
        let Some(user) = find_by_login(conn, &key)?.filter(|u| !u.disabled) else {
            return Ok(());
        };
        match user.email.clone() {
            Some(email) => write_tx(conn, |conn| send_reset_email(conn, config, &user, &email)),
            None if config.sms.is_on() => {
                write_tx(conn, |conn| send_reset_sms(conn, config, &user))
            }
            None => Ok(()),
        }
    })
    .await
}

/// Queues the reset mail with a new link (earlier reset links stop working).
fn send_reset_email(
    conn: &mut DbConn,
    config: &Config,
    user: &UserRow,
    email: &str,
) -> Result<(), ServiceError> {
    let minutes = config.reset_token_minutes;
    let token = issue_password_token(conn, user.id, PURPOSE_RESET, Duration::minutes(minutes))?;
    let link = password_link(config, &token);
    let body = format!(
        "{name}，您好：\n\n请在 {minutes} 分钟内打开下面的链接，设置新密码（链接只能使用一次）：\n{link}\n\n\
         如果这不是您本人的操作，请忽略本邮件，您的密码不会改变。\n\n\
         Hello {name},\n\nOpen this link within {minutes} minutes to choose a new password (it works once):\n{link}\n\n\
         If you did not ask for this, ignore this email; your password stays the same.\n\n— 起航 Qihang\n",
        name = user.name
    );
    outbox::enqueue(
        conn,
        email,
        "起航：重设密码 / Qihang: reset your password",
        &body,
    )?;
    Ok(())
}

/// Queues the reset SMS to her phone with a new link (earlier reset links stop working).
/// Short, in Chinese, without her name: the phone shows who it is for.
fn send_reset_sms(conn: &mut DbConn, config: &Config, user: &UserRow) -> Result<(), ServiceError> {
    let minutes = config.reset_token_minutes;
    let token = issue_password_token(conn, user.id, PURPOSE_RESET, Duration::minutes(minutes))?;
    let link = password_link(config, &token);
    let text = format!(
        "【起航】您申请了重设密码。请在 {minutes} 分钟内打开链接设置新密码（只能用一次）：{link} 如非本人操作，请忽略本短信。"
    );
    outbox::enqueue_sms(conn, &user.phone, "password reset", &text)?;
    Ok(())
}

/// Sets a new password with a reset or set-up token; the token is spent and every existing
/// session of the account is revoked.
pub async fn set_password_with_token(
    core: &Core,
    token: String,
    password: String,
) -> Result<(), ServiceError> {
    let password = Password::parse(&password)?;
    core.run(move |conn, _| {
        let password_hash = hash_password(&password)?;
        write_tx(conn, |conn| {
            let row = live_token(conn, &token)?;
            let at = now();
            let (phone, name): (String, String) = users::table
                .find(row.user_id)
                .select((users::phone, users::name))
                .first(conn)?;
            password.check_strength(&[&phone, &name])?;
            let spent = diesel::update(
                password_tokens::table
                    .find(row.id)
                    .filter(password_tokens::used_at.is_null()),
            )
            .set(password_tokens::used_at.eq(at))
            .execute(conn)?;
            if spent != 1 {
                return Err(ServiceError::TokenInvalid);
            }
            diesel::update(users::table.find(row.user_id))
                .set(users::password_hash.eq(password_hash))
                .execute(conn)?;
            diesel::update(
                sessions::table
                    .filter(sessions::user_id.eq(row.user_id))
                    .filter(sessions::revoked_at.is_null()),
            )
            .set(sessions::revoked_at.eq(at))
            .execute(conn)?;
            Ok(())
        })
    })
    .await
}

/// The unused, unexpired reset or set-up link with this token.
fn live_token(conn: &mut DbConn, token: &str) -> Result<PasswordTokenRow, ServiceError> {
    let row: PasswordTokenRow = password_tokens::table
        .filter(password_tokens::token_hash.eq(hash_secret(token.trim())))
        .select(PasswordTokenRow::as_select())
        .first(conn)
        .optional()?
        .ok_or(ServiceError::TokenInvalid)?;
    if row.used_at.is_some() {
        return Err(ServiceError::TokenInvalid);
    }
    if row.expires_at <= now() {
        return Err(ServiceError::TokenExpired);
    }
    Ok(row)
}

/// Whether a reset or set-up link still works (the page says so before she types a
/// password); changes nothing.
pub async fn check_password_token(core: &Core, token: String) -> Result<(), ServiceError> {
    core.run(move |conn, _| live_token(conn, &token).map(|_| ()))
        .await
}

/// Input of `qihang admin create`.
#[derive(Debug, Clone)]
pub struct NewAdmin {
    pub phone: String,
    pub name: String,
    pub org: String,
    pub email: Option<String>,
    pub gender: String,
    /// Set the password now (from `--password-stdin`); otherwise a set-up link is returned.
    pub password: Option<String>,
}

#[derive(Debug, Clone)]
pub struct AdminCreated {
    pub user: UserView,
    pub created: bool,
    pub setup_link: Option<String>,
}

/// Creates an administrator of `org` (or grants the role to the existing account with that
/// phone). Without a password, returns a one-time link to set it.
pub async fn create_admin(core: &Core, input: NewAdmin) -> Result<AdminCreated, ServiceError> {
    let phone = Phone::parse(&input.phone)?;
    let name = PersonName::parse(&input.name)?;
    let org_code = OrgCode::parse(&input.org, "org")?;
    let gender = Gender::parse(&input.gender)?;
    let email = match input.email.as_deref().map(str::trim) {
        None | Some("") => None,
        Some(e) => Some(Email::parse(e)?),
    };
    let password = input.password.as_deref().map(Password::parse).transpose()?;
    if let Some(password) = &password {
        password.check_strength(&[phone.as_str(), name.as_str()])?;
    }
    core.run(move |conn, config| {
        let password_hash = password.as_ref().map(hash_password).transpose()?;
        write_tx(conn, |conn| {
            let org = orgs::require(conn, &org_code, "org")?;
            let existing = find_by_login(conn, phone.as_str())?;
            let created = existing.is_none();
            let user = match existing {
                Some(user) => {
                    if let Some(hash) = &password_hash {
                        diesel::update(users::table.find(user.id))
                            .set(users::password_hash.eq(hash))
                            .execute(conn)?;
                    }
                    user
                }
                None => {
                    ensure_free(conn, &phone, email.as_ref())?;
                    let user = insert_user(
                        conn,
                        NewUser {
                            name: &name,
                            phone: &phone,
                            email: email.as_ref(),
                            password_hash: password_hash.clone(),
                            gender,
                            org: &org,
                            consent: false,
                        },
                    )?;
                    grant(conn, user.id, Role::Learner, org.id)?;
                    user
                }
            };
            grant(conn, user.id, Role::Admin, org.id)?;
            let setup_link = if password_hash.is_none() {
                Some(setup_link(conn, config, user.id)?)
            } else {
                None
            };
            Ok(AdminCreated {
                user: user_view(conn, &user)?,
                created,
                setup_link,
            })
        })
    })
    .await
}

/// A one-time link to set the first password of an account created without one.
fn setup_link(conn: &mut DbConn, config: &Config, user_id: i64) -> Result<String, ServiceError> {
    let token = issue_password_token(
        conn,
        user_id,
        PURPOSE_SETUP,
        Duration::hours(config.setup_token_hours),
    )?;
    Ok(password_link(config, &token))
}

/// Whether an account has this (normalised) phone.
pub(crate) fn phone_registered(conn: &mut DbConn, phone: &str) -> QueryResult<bool> {
    Ok(users::table
        .filter(users::phone.eq(phone))
        .count()
        .get_result::<i64>(conn)?
        > 0)
}

/// Creates a learner from a bulk import: no password (an activation link sets it, mailed
/// when she has an email address), no consent yet (she gives it when activating). Inside the
/// import's transaction. Returns the activation link.
pub(crate) fn create_imported_learner(
    conn: &mut DbConn,
    config: &Config,
    name: &PersonName,
    phone: &Phone,
    gender: Gender,
    email: Option<&Email>,
    org: &OrgRow,
) -> Result<String, ServiceError> {
    ensure_free(conn, phone, email)?;
    let user = insert_user(
        conn,
        NewUser {
            name,
            phone,
            email,
            password_hash: None,
            gender,
            org,
            consent: false,
        },
    )?;
    grant(conn, user.id, Role::Learner, org.id)?;
    let link = setup_link(conn, config, user.id)?;
    if let Some(email) = email {
        let body = format!(
            "{}，您好：\n\n{} 已为您开通起航（数字赋能培训平台）账号，登录名是您的手机号。\n\
             请在 {} 小时内打开下面的链接设置密码：\n{link}\n\n\
             Your union opened a Qihang account for you; set your password here: {link}\n",
            name.as_str(),
            org.name,
            config.setup_token_hours
        );
        outbox::enqueue(
            conn,
            email.as_str(),
            "开通起航账号 / Activate your Qihang account",
            &body,
        )?;
    }
    Ok(link)
}

/// A role an administrator grants: `{phone, role, org}`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RoleGrantInput {
    pub phone: String,
    pub role: String,
    pub org: String,
}

/// Grants `role` on `org` to the registered user with `phone`. The actor must administer
/// `org`; the user must belong to `org`'s subtree (a union cannot appoint outsiders).
pub async fn grant_role(
    core: &Core,
    actor: &Actor,
    input: RoleGrantInput,
) -> Result<UserView, ServiceError> {
    let phone = Phone::parse(&input.phone)?;
    let role = Role::parse(input.role.trim())?;
    let org_code = OrgCode::parse(&input.org, "org")?;
    let actor = actor.clone();
    core.run(move |conn, _| {
        write_tx(conn, |conn| {
            let org = orgs::require(conn, &org_code, "org")?;
            if !actor.holds(Role::Admin, &org.path) {
                return Err(ServiceError::Forbidden);
            }
            let user = find_by_login(conn, phone.as_str())?
                .ok_or(ServiceError::NotFound("user with that phone"))?;
            let home = orgs::find_by_id(conn, user.org_id)?;
            if !home.path.starts_with(&org.path) {
                return Err(ServiceError::Forbidden);
            }
            grant(conn, user.id, role, org.id)?;
            let detail = serde_json::json!({ "role": role.as_str(), "org": org.code });
            super::audit::record(
                conn,
                &actor,
                super::audit::Entry {
                    action: super::audit::AuditAction::GrantRole,
                    subject: Some(user.id),
                    org: Some(org.id),
                    detail: &detail,
                },
            )?;
            user_view(conn, &user)
        })
    })
    .await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn login_keys() {
        assert_eq!(login_key(" 138 1234 1234 "), "13812341234");
        assert_eq!(login_key("Li@Example.CN"), "li@example.cn");
        assert_eq!(login_key("nobody"), "nobody");
    }

    #[test]
    fn registration_validation_names_fields() {
        let good = RegisterInput {
            name: "王秀红".into(),
            phone: "13812341234".into(),
            email: None,
            password: "long-enough".into(),
            gender: "female".into(),
            org: "js-nj".into(),
            consent: true,
        };
        assert!(good.validate().is_ok());
        let field = |f: fn(&mut RegisterInput)| {
            let mut input = good.clone();
            f(&mut input);
            input.validate().err().and_then(|e| e.field())
        };
        assert_eq!(field(|i| i.phone = "123".into()), Some("phone"));
        assert_eq!(field(|i| i.password = "short".into()), Some("password"));
        assert_eq!(field(|i| i.gender = "x".into()), Some("gender"));
        assert_eq!(field(|i| i.consent = false), Some("consent"));
        assert_eq!(field(|i| i.email = Some("bad".into())), Some("email"));
        assert_eq!(field(|i| i.org = "NJ!".into()), Some("org"));
        // Every wrong field at once, in the form's order.
        let mut bad = good.clone();
        bad.phone = "123".into();
        bad.password = "short".into();
        bad.consent = false;
        let error = bad.validate().err().expect("three mistakes");
        assert_eq!(error.fields(), vec!["phone", "password", "consent"]);
        assert_eq!(error.http_status(), 422);
    }

    #[test]
    fn the_timing_equaliser_is_a_valid_password() {
        assert!(Password::parse(TIMING_EQUALISER).is_ok());
    }
}

//! Certificates: issued once, in the transaction that completes an enrolment, with an
//! unguessable serial, a signed Open Badges 3.0 credential (W3C VC 2.0, Data Integrity proof
//! `eddsa-jcs-2022` with Ed25519) and the mail that announces it; public verification with
//! rate-limited lookups; the holder's own view and PDF; revocation by administrators of the
//! issuing union's subtree; and the published signing keys (with ids, so they can rotate).

use diesel::prelude::*;
use ed25519_dalek::{SigningKey, VerifyingKey};
use serde_json::Value;

use super::actor::Actor;
use super::{now, outbox, throttle, Core};
use crate::certificate_print::{self, CertificateText, PrintError};
use crate::config::{Config, KekState};
pub use crate::credential::{
    canonical_json, content_digest, new_serial, parse_multikey, parse_serial, public_key_multibase,
    sign_document, tier_label, verify_document,
};
use crate::credential::{
    credential_document, hours_value, timestamp, verification_method, CredentialFacts,
};
use crate::db::schema::{certificates, courses, enrollments, orgs, signing_keys, users};
use crate::db::types::{EnrollmentId, Json};
use crate::db::{write_tx, DbConn};
use crate::domain::{mask_name, Role};
use crate::dto::{
    CertificateStatusView, CertificateView, CredentialCheck, MyCertificateView, SigningKeyView,
};
use crate::kek::Kek;
use crate::ServiceError;

// ---------------------------------------------------------------------------------------------
// Keys

/// A signing key as stored: the public half published, the secret half sealed under the
/// key-encryption key named by `sealed_with` (rows from before sealing have none, and are
/// sealed at the next start: [`prepare_signing`]).
#[derive(Debug, Queryable, Selectable)]
#[diesel(table_name = signing_keys)]
struct KeyRow {
    id: i64,
    key_id: String,
    secret_key: Vec<u8>,
    public_key: Vec<u8>,
    created_at: chrono::NaiveDateTime,
    retired_at: Option<chrono::NaiveDateTime>,
    sealed_with: Option<String>,
}

fn all_keys(conn: &mut DbConn) -> QueryResult<Vec<KeyRow>> {
    signing_keys::table
        .order(signing_keys::id.asc())
        .select(KeyRow::as_select())
        .load(conn)
}

/// The key-encryption key this process resolved at start-up, or why there is none.
fn kek_of(config: &Config) -> Result<&Kek, ServiceError> {
    match &config.certificates.kek {
        KekState::Ready(kek) => Ok(kek),
        KekState::Unavailable(why) => Err(ServiceError::internal(format!(
            "certificates cannot be signed: {why}"
        ))),
        KekState::Unresolved => Err(ServiceError::internal(
            "certificates cannot be signed: the key-encryption key was not resolved",
        )),
    }
}

/// The row's secret half, opened.
fn secret_of(row: &KeyRow, kek: &Kek) -> Result<SigningKey, ServiceError> {
    let seed = match &row.sealed_with {
        None => row.secret_key.clone(),
        Some(fingerprint) if *fingerprint != kek.fingerprint() => {
            return Err(ServiceError::internal(format!(
                "signing key {} is sealed with key-encryption key {fingerprint}, not with the \
                 configured one ({})",
                row.key_id,
                kek.fingerprint()
            )))
        }
        Some(_) => kek
            .open(&row.key_id, &row.secret_key)
            .map_err(|e| ServiceError::internal(e.to_string()))?,
    };
    let seed: [u8; 32] = seed
        .try_into()
        .map_err(|_| ServiceError::internal(format!("signing key {} is corrupt", row.key_id)))?;
    Ok(SigningKey::from_bytes(&seed))
}

fn create_key(conn: &mut DbConn, kek: &Kek) -> Result<(String, SigningKey), ServiceError> {
    let mut seed = [0u8; 32];
    rand::RngCore::fill_bytes(&mut rand::rng(), &mut seed);
    let key = SigningKey::from_bytes(&seed);
    let at = now();
    let key_id = format!(
        "{}-{}",
        at.format("%Y%m%d"),
        hex::encode(&key.verifying_key().as_bytes()[..4])
    );
    diesel::insert_into(signing_keys::table)
        .values((
            signing_keys::key_id.eq(&key_id),
            signing_keys::secret_key.eq(kek.seal(&key_id, &seed)),
            signing_keys::public_key.eq(key.verifying_key().as_bytes().to_vec()),
            signing_keys::created_at.eq(at),
            signing_keys::sealed_with.eq(kek.fingerprint()),
        ))
        .execute(conn)?;
    Ok((key_id, key))
}

/// The newest key not retired; the first one is made on first use.
fn active_key(conn: &mut DbConn, config: &Config) -> Result<(String, SigningKey), ServiceError> {
    let kek = kek_of(config)?;
    let newest = all_keys(conn)?
        .into_iter()
        .rev()
        .find(|k| k.retired_at.is_none());
    match newest {
        Some(row) => Ok((row.key_id.clone(), secret_of(&row, kek)?)),
        None => create_key(conn, kek),
    }
}

fn verifying_keys(conn: &mut DbConn) -> QueryResult<Vec<(String, VerifyingKey)>> {
    Ok(all_keys(conn)?
        .into_iter()
        .filter_map(|k| {
            let bytes: [u8; 32] = k.public_key.try_into().ok()?;
            Some((k.key_id, VerifyingKey::from_bytes(&bytes).ok()?))
        })
        .collect())
}

/// Retires the current key and makes a new one; old credentials keep verifying.
pub async fn rotate_key(core: &Core) -> Result<String, ServiceError> {
    core.run(|conn, config| {
        let kek = kek_of(config)?;
        write_tx(conn, |conn| {
            diesel::update(signing_keys::table.filter(signing_keys::retired_at.is_null()))
                .set(signing_keys::retired_at.eq(now()))
                .execute(conn)?;
            Ok(create_key(conn, kek)?.0)
        })
    })
    .await
}

/// Re-seals every signing key's secret under `new` (opened with the configured key first):
/// the second half of a key-encryption key rotation. Returns how many keys were re-sealed.
pub async fn reseal_keys(core: &Core, new: Kek) -> Result<usize, ServiceError> {
    core.run(move |conn, config| {
        let old = kek_of(config)?;
        write_tx(conn, |conn| {
            let rows = all_keys(conn)?;
            for row in &rows {
                let seed = secret_of(row, old)?.to_bytes();
                diesel::update(signing_keys::table.find(row.id))
                    .set((
                        signing_keys::secret_key.eq(new.seal(&row.key_id, &seed)),
                        signing_keys::sealed_with.eq(new.fingerprint()),
                    ))
                    .execute(conn)?;
            }
            Ok(rows.len())
        })
    })
    .await
}

/// Resolves the key-encryption key at start-up (see [`crate::kek`] for where it comes from),
/// makes the default file on a database's first start, and seals any secret stored in the
/// clear by an older Qihang. Never fails: what it finds is `config.certificates.kek`, and
/// `qihang serve` refuses to start unless it is ready.
pub(crate) fn prepare_signing(conn: &mut DbConn, config: &mut Config) -> QueryResult<()> {
    let rows = all_keys(conn)?;
    let state = resolve_kek(config, &rows);
    if let KekState::Ready(kek) = &state {
        let state = seal_clear_keys(conn, kek, &rows)?;
        config.certificates.kek = state;
        return Ok(());
    }
    config.certificates.kek = state;
    Ok(())
}

fn resolve_kek(config: &Config, rows: &[KeyRow]) -> KekState {
    let certs = &config.certificates;
    let kek = match certs.key_encryption_key.as_deref().map(str::trim) {
        Some(text) if !text.is_empty() => {
            match Kek::parse(text, "certificates.key_encryption_key") {
                Ok(kek) => kek,
                Err(e) => return KekState::Unavailable(e.to_string()),
            }
        }
        _ => {
            let path = certs
                .key_encryption_key_file
                .clone()
                .unwrap_or_else(|| config.data_dir.join("signing.kek"));
            let sealed = rows.iter().filter(|r| r.sealed_with.is_some()).count();
            let read = if path.exists() || sealed > 0 {
                Kek::read(&path)
            } else {
                Kek::create_file(&path).inspect(|_| {
                    tracing::info!(path = %path.display(), "made a new key-encryption key; \
                        keep a copy apart from the database's backups")
                })
            };
            match read {
                Ok(kek) => kek,
                Err(e) => {
                    return KekState::Unavailable(format!(
                        "the key-encryption key is missing ({e}), and the database holds \
                         {sealed} sealed signing key(s) that only it opens. Restore the file, or \
                         set QIHANG_CERTIFICATES__KEY_ENCRYPTION_KEY, from where you keep it \
                         (README, \"Signing keys at rest\")"
                    ))
                }
            }
        }
    };
    let foreign: Vec<&str> = rows
        .iter()
        .filter_map(|r| r.sealed_with.as_deref())
        .filter(|f| *f != kek.fingerprint())
        .collect();
    match foreign.first() {
        Some(other) => KekState::Unavailable(format!(
            "the signing keys are sealed with key-encryption key {other}, but the configured \
             one is {}: configure the key they were sealed with (every server of a database \
             needs the same one)",
            kek.fingerprint()
        )),
        None => KekState::Ready(kek),
    }
}

fn seal_clear_keys(conn: &mut DbConn, kek: &Kek, rows: &[KeyRow]) -> QueryResult<KekState> {
    for row in rows.iter().filter(|r| r.sealed_with.is_none()) {
        // Only this row's update, guarded by its being still clear: two servers starting at
        // once seal it once.
        diesel::update(
            signing_keys::table
                .find(row.id)
                .filter(signing_keys::sealed_with.is_null()),
        )
        .set((
            signing_keys::secret_key.eq(kek.seal(&row.key_id, &row.secret_key)),
            signing_keys::sealed_with.eq(kek.fingerprint()),
        ))
        .execute(conn)?;
        tracing::info!(key = %row.key_id, "sealed a signing key stored in the clear");
    }
    Ok(KekState::Ready(kek.clone()))
}

/// Every key Qihang has signed with, retired ones included.
pub async fn published_keys(core: &Core) -> Result<Vec<SigningKeyView>, ServiceError> {
    core.run(|conn, config| {
        Ok(all_keys(conn)?
            .into_iter()
            .filter_map(|k| {
                let bytes: [u8; 32] = k.public_key.try_into().ok()?;
                let key = VerifyingKey::from_bytes(&bytes).ok()?;
                Some(SigningKeyView {
                    id: verification_method(&config.public_url, &k.key_id),
                    kind: "Multikey".into(),
                    key_id: k.key_id,
                    public_key_multibase: public_key_multibase(&key),
                    created_at: timestamp(k.created_at),
                    retired_at: k.retired_at.map(timestamp),
                })
            })
            .collect())
    })
    .await
}

// ---------------------------------------------------------------------------------------------
// Issuing

/// What a certificate records of the completion it is issued for.
#[derive(Debug, Queryable)]
struct IssueFacts {
    user_id: i64,
    course_id: i64,
    holder: String,
    email: Option<String>,
    course_code: String,
    course_title: String,
    course_summary: String,
    course_version: String,
    tier: i32,
    hours: f64,
    issuer_org_id: i64,
    issuer_code: String,
    issuer_name: String,
}

fn issue_facts(conn: &mut DbConn, enrollment: EnrollmentId) -> QueryResult<IssueFacts> {
    enrollments::table
        .inner_join(users::table)
        .inner_join(courses::table.inner_join(orgs::table))
        .filter(enrollments::id.eq(enrollment))
        .select((
            users::id,
            courses::id,
            users::name,
            users::email,
            courses::code,
            courses::title,
            courses::summary,
            courses::version,
            courses::tier,
            courses::hours,
            orgs::id,
            orgs::code,
            orgs::name,
        ))
        .first(conn)
}

/// Issues the certificate of a just-completed enrolment (inside its transaction) and queues
/// the mail that announces it. Returns the serial.
pub(crate) fn issue(
    conn: &mut DbConn,
    config: &Config,
    enrollment: EnrollmentId,
) -> Result<String, ServiceError> {
    let facts = issue_facts(conn, enrollment)?;
    let issued_at = now();
    let serial = new_serial(chrono::Datelike::year(&issued_at));
    let issued = timestamp(issued_at);
    let (key_id, key) = active_key(conn, config)?;
    let credential = sign_document(
        credential_document(
            &config.public_url,
            &credential_facts(&facts, &serial, &issued),
        ),
        &key,
        &verification_method(&config.public_url, &key_id),
        &issued,
    );
    diesel::insert_into(certificates::table)
        .values((
            certificates::serial.eq(&serial),
            certificates::enrollment_id.eq(enrollment),
            certificates::user_id.eq(facts.user_id),
            certificates::course_id.eq(facts.course_id),
            certificates::holder_name.eq(&facts.holder),
            certificates::course_title.eq(&facts.course_title),
            certificates::course_version.eq(&facts.course_version),
            certificates::tier.eq(facts.tier),
            certificates::hours.eq(facts.hours),
            certificates::issuer_org_id.eq(facts.issuer_org_id),
            certificates::issued_at.eq(issued_at),
            certificates::credential.eq(credential.to_string()),
            certificates::credential_digest.eq(content_digest(&credential)),
        ))
        .execute(conn)?;
    announce(conn, config, &facts, &serial)?;
    Ok(serial)
}

fn credential_facts<'a>(
    facts: &'a IssueFacts,
    serial: &'a str,
    issued_at: &'a str,
) -> CredentialFacts<'a> {
    CredentialFacts {
        serial,
        holder: &facts.holder,
        course_code: &facts.course_code,
        course_title: &facts.course_title,
        course_summary: &facts.course_summary,
        course_version: &facts.course_version,
        tier: facts.tier,
        hours: facts.hours,
        issuer_code: &facts.issuer_code,
        issuer_name: &facts.issuer_name,
        issued_at,
    }
}

/// Queues the mail announcing a certificate, when she has an email address.
fn announce(
    conn: &mut DbConn,
    config: &Config,
    facts: &IssueFacts,
    serial: &str,
) -> Result<(), ServiceError> {
    let Some(email) = &facts.email else {
        return Ok(());
    };
    let link = verify_url(config, serial);
    let (holder, title) = (&facts.holder, &facts.course_title);
    let body = format!(
        "{holder}，您好：\n\n祝贺您完成「{title}」（{tier}，{hours} 学时），结业证书已颁发。\n\n\
         证书编号：{serial}\n验证链接：{link}\n\n\
         任何人都可以打开验证链接核验这张证书。登录起航后，可在「我的学习」中查看、打印和下载证书。\n\n\
         Congratulations on completing \"{title}\". Certificate {serial}: {link}\n\n起航 Qihang",
        tier = tier_label(facts.tier),
        hours = hours_value(facts.hours),
    );
    outbox::enqueue(
        conn,
        email,
        &format!("结业证书：{title} / Certificate issued"),
        &body,
    )?;
    Ok(())
}

pub fn verify_url(config: &Config, serial: &str) -> String {
    format!(
        "{}/verify/{serial}",
        config.public_url.trim_end_matches('/')
    )
}

// ---------------------------------------------------------------------------------------------
// Reading

/// A certificate with its course code and issuing union, as read for every view of it.
#[derive(Debug, Queryable)]
struct CertificateRow {
    serial: String,
    user_id: i64,
    holder_name: String,
    course_title: String,
    course_title_en: Option<String>,
    course_code: String,
    tier: i32,
    hours: f64,
    issued_at: chrono::NaiveDateTime,
    revoked_at: Option<chrono::NaiveDateTime>,
    revoked_reason: Option<String>,
    issuer_name: String,
    issuer_name_en: Option<String>,
    issuer_code: String,
    issuer_path: String,
    credential: Json<Value>,
}

fn find(conn: &mut DbConn, serial: &str) -> QueryResult<Option<CertificateRow>> {
    certificates::table
        .inner_join(courses::table)
        .inner_join(orgs::table)
        .filter(certificates::serial.eq(serial))
        .select((
            certificates::serial,
            certificates::user_id,
            certificates::holder_name,
            certificates::course_title,
            courses::title_en,
            courses::code,
            certificates::tier,
            certificates::hours,
            certificates::issued_at,
            certificates::revoked_at,
            certificates::revoked_reason,
            orgs::name,
            orgs::name_en,
            orgs::code,
            orgs::path,
            certificates::credential,
        ))
        .first(conn)
        .optional()
}

fn status_view(config: &Config, row: &CertificateRow) -> CertificateStatusView {
    CertificateStatusView {
        serial: row.serial.clone(),
        valid: row.revoked_at.is_none(),
        revoked: row.revoked_at.is_some(),
        revoked_at: row.revoked_at.map(timestamp),
        revoked_reason: row.revoked_reason.clone(),
        holder: mask_name(&row.holder_name),
        course: row.course_title.clone(),
        course_id: row.course_code.clone(),
        hours: row.hours,
        tier: row.tier,
        issued_at: timestamp(row.issued_at),
        issued_on: super::china_date(row.issued_at),
        issuer: row.issuer_name.clone(),
        issuer_code: row.issuer_code.clone(),
        verify_url: verify_url(config, &row.serial),
        course_en: row.course_title_en.clone(),
        issuer_en: row.issuer_name_en.clone(),
    }
}

/// The public facts of a serial. Unknown serials count against the caller's address; past
/// the limit every lookup from it is refused for the rest of the window, so a hit cannot be
/// told from a miss by the answer.
pub async fn status(
    core: &Core,
    serial: String,
    client_ip: String,
) -> Result<CertificateStatusView, ServiceError> {
    core.run(move |conn, config| {
        let limit = config.certificates.lookup_misses_per_15min;
        if throttle::exhausted(conn, throttle::SERIAL_MISS, &client_ip, limit)? {
            return Err(ServiceError::RateLimited {
                what: "certificate lookups that found nothing",
            });
        }
        let found = match parse_serial(&serial) {
            Some(serial) => find(conn, &serial)?,
            None => None,
        };
        match found {
            Some(row) => Ok(status_view(config, &row)),
            None => {
                write_tx(conn, |conn| {
                    throttle::record(conn, throttle::SERIAL_MISS, &client_ip)
                        .map_err(ServiceError::from)
                })?;
                Err(ServiceError::NotFound("certificate"))
            }
        }
    })
    .await
}

/// A certificate as its holder (or an administrator of the issuing union) may see it.
fn owned(conn: &mut DbConn, actor: &Actor, serial: &str) -> Result<CertificateRow, ServiceError> {
    let serial = parse_serial(serial).ok_or(ServiceError::NotFound("certificate"))?;
    let row = find(conn, &serial)?.ok_or(ServiceError::NotFound("certificate"))?;
    if row.user_id != actor.user_id && !actor.holds(Role::Admin, &row.issuer_path) {
        return Err(ServiceError::NotFound("certificate"));
    }
    Ok(row)
}

/// Her certificate with her full name and its QR code.
pub async fn view(
    core: &Core,
    actor: &Actor,
    serial: String,
) -> Result<CertificateView, ServiceError> {
    let actor = actor.clone();
    core.run(move |conn, config| {
        let row = owned(conn, &actor, &serial)?;
        let status = status_view(config, &row);
        Ok(CertificateView {
            qr_svg: certificate_print::qr_svg(&status.verify_url),
            holder_name: row.holder_name.clone(),
            status,
        })
    })
    .await
}

/// The signed credential (JSON) of her certificate.
pub async fn credential(core: &Core, actor: &Actor, serial: String) -> Result<Value, ServiceError> {
    let actor = actor.clone();
    core.run(move |conn, _| {
        let row = owned(conn, &actor, &serial)?;
        Ok(row.credential.0)
    })
    .await
}

/// The A4 PDF of her certificate, with the font subset embedded.
pub async fn pdf(core: &Core, actor: &Actor, serial: String) -> Result<Vec<u8>, ServiceError> {
    let actor = actor.clone();
    let font = core.certificate_font()?;
    core.run(move |conn, config| {
        let row = owned(conn, &actor, &serial)?;
        let text = CertificateText {
            serial: row.serial.clone(),
            holder: row.holder_name.clone(),
            course_title: row.course_title.clone(),
            tier_label: tier_label(row.tier).into(),
            hours: hours_value(row.hours).to_string(),
            issuer: row.issuer_name.clone(),
            issued_on: crate::time::to_china(row.issued_at)
                .format("%Y年%m月%d日")
                .to_string(),
            verify_url: verify_url(config, &row.serial),
        };
        certificate_print::render_pdf(&font, &text).map_err(|e| match e {
            PrintError::MissingGlyphs { chars } => ServiceError::CannotPrint {
                chars: chars.into_iter().collect(),
            },
            PrintError::BadFont(why) => ServiceError::internal(why),
        })
    })
    .await
}

/// Her certificates, newest first.
pub async fn mine(core: &Core, actor: &Actor) -> Result<Vec<MyCertificateView>, ServiceError> {
    let user_id = actor.user_id;
    core.run(move |conn, _| Ok(certificates_of(conn, user_id)?))
        .await
}

/// A user's certificates, newest first (her list, and her data export).
pub(crate) fn certificates_of(
    conn: &mut DbConn,
    user_id: i64,
) -> QueryResult<Vec<MyCertificateView>> {
    /// One of her certificates, for her list.
    #[derive(Queryable)]
    struct Mine {
        serial: String,
        course_title: String,
        course_title_en: Option<String>,
        course_code: String,
        issued_at: chrono::NaiveDateTime,
        revoked_at: Option<chrono::NaiveDateTime>,
    }
    let rows: Vec<Mine> = certificates::table
        .inner_join(courses::table)
        .filter(certificates::user_id.eq(user_id))
        .order(certificates::id.desc())
        .select((
            certificates::serial,
            certificates::course_title,
            courses::title_en,
            courses::code,
            certificates::issued_at,
            certificates::revoked_at,
        ))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .map(|m| MyCertificateView {
            serial: m.serial,
            course: m.course_title,
            course_id: m.course_code,
            issued_at: timestamp(m.issued_at),
            issued_on: super::china_date(m.issued_at),
            revoked: m.revoked_at.is_some(),
            course_en: m.course_title_en,
        })
        .collect())
}

/// Who may revoke a certificate: administrators of the issuing union's subtree, and
/// administrators over the union the completion was attributed to (her union when she
/// completed), so a city union can revoke its own learners' certificates of province courses.
fn may_revoke(conn: &mut DbConn, actor: &Actor, row: &CertificateRow) -> QueryResult<bool> {
    if actor.holds(Role::Admin, &row.issuer_path) {
        return Ok(true);
    }
    let enrollment: i64 = certificates::table
        .filter(certificates::serial.eq(&row.serial))
        .select(certificates::enrollment_id)
        .first(conn)?;
    let completed_in: Option<String> = enrollments::table
        .find(enrollment)
        .select(enrollments::completed_org_path)
        .first(conn)?;
    Ok(completed_in.is_some_and(|path| actor.holds(Role::Admin, &path)))
}

/// 429 once this address has spent its misses (unknown or not-hers serials) for the window.
fn misses_left(conn: &mut DbConn, config: &Config, client_ip: &str) -> Result<(), ServiceError> {
    let limit = config.certificates.lookup_misses_per_15min;
    if throttle::exhausted(conn, throttle::REVOKE_MISS, client_ip, limit)? {
        return Err(ServiceError::RateLimited {
            what: "certificate lookups that found nothing",
        });
    }
    Ok(())
}

/// Counts a miss against this address; the 404 to answer with.
fn miss(conn: &mut DbConn, client_ip: &str) -> Result<ServiceError, ServiceError> {
    write_tx(conn, |conn| {
        throttle::record(conn, throttle::REVOKE_MISS, client_ip).map_err(ServiceError::from)
    })?;
    Ok(ServiceError::NotFound("certificate"))
}

/// Whether she may revoke the certificate `serial`, decided before what she sends is read:
/// 404 otherwise, exactly as for an unknown serial, and counted as a miss like one (429 once
/// the misses are spent), so the order of checks is no oracle either.
pub async fn authorize_revoke(
    core: &Core,
    actor: &Actor,
    serial: String,
    client_ip: String,
) -> Result<(), ServiceError> {
    let actor = actor.clone();
    core.run(move |conn, config| {
        misses_left(conn, config, &client_ip)?;
        let row = match parse_serial(&serial) {
            Some(serial) => find(conn, &serial)?,
            None => None,
        };
        if let Some(row) = row {
            if may_revoke(conn, &actor, &row)? {
                return Ok(());
            }
        }
        Err(miss(conn, &client_ip)?)
    })
    .await
}

/// Revokes a certificate. To anyone who may not revoke it, an existing serial answers
/// exactly like an unknown one (404), and both count against the caller's address like
/// unknown-serial lookups, so revocation is no oracle for which serials exist.
pub async fn revoke(
    core: &Core,
    actor: &Actor,
    serial: String,
    reason: String,
    client_ip: String,
) -> Result<CertificateStatusView, ServiceError> {
    let actor = actor.clone();
    core.run(move |conn, config| {
        let reason = reason.trim().to_string();
        if reason.is_empty() || reason.chars().count() > 500 {
            return Err(crate::domain::DomainError::Reason.into());
        }
        misses_left(conn, config, &client_ip)?;
        let outcome = write_tx(conn, |conn| {
            let row = match parse_serial(&serial) {
                Some(serial) => find(conn, &serial)?,
                None => None,
            };
            let Some(row) = row else { return Ok(None) };
            if !may_revoke(conn, &actor, &row)? {
                return Ok(None);
            }
            if row.revoked_at.is_some() {
                return Err(ServiceError::AlreadyRevoked);
            }
            diesel::update(certificates::table.filter(certificates::serial.eq(&row.serial)))
                .set((
                    certificates::revoked_at.eq(now()),
                    certificates::revoked_reason.eq(&reason),
                    certificates::revoked_by.eq(actor.user_id),
                ))
                .execute(conn)?;
            let enrollment: i64 = certificates::table
                .filter(certificates::serial.eq(&row.serial))
                .select(certificates::enrollment_id)
                .first(conn)?;
            super::skills::withdraw_for_enrollment(conn, enrollment, &reason)?;
            let row = find(conn, &row.serial)?.ok_or(ServiceError::NotFound("certificate"))?;
            Ok(Some(status_view(config, &row)))
        })?;
        match outcome {
            Some(view) => Ok(view),
            None => Err(miss(conn, &client_ip)?),
        }
    })
    .await
}

/// What the records say of a credential's serial: (issued, content matches, revoked).
fn against_record(
    conn: &mut DbConn,
    serial: Option<&str>,
    document: &Value,
) -> Result<(bool, bool, bool), ServiceError> {
    let Some(serial) = serial else {
        return Ok((false, false, false));
    };
    let record: Option<(String, Option<String>, Option<chrono::NaiveDateTime>)> =
        certificates::table
            .filter(certificates::serial.eq(serial))
            .select((
                certificates::credential,
                certificates::credential_digest,
                certificates::revoked_at,
            ))
            .first(conn)
            .optional()?;
    let Some((stored, digest, revoked_at)) = record else {
        return Ok((false, false, false));
    };
    let issued_digest = match digest {
        Some(digest) => digest,
        // Issued before digests were kept: digest the stored credential.
        None => content_digest(
            &serde_json::from_str(&stored)
                .map_err(|e| ServiceError::internal(format!("stored credential: {e}")))?,
        ),
    };
    Ok((
        true,
        content_digest(document) == issued_digest,
        revoked_at.is_some(),
    ))
}

/// Checks a credential someone holds: its signature against the published keys, then
/// against the records: that a certificate with its serial was issued, that the credential
/// says exactly what was issued (its stored digest), and that it was not revoked. A good
/// signature alone is never enough, so a leaked key cannot mint certificates that verify.
pub async fn check_credential(
    core: &Core,
    document: Value,
) -> Result<CredentialCheck, ServiceError> {
    core.run(move |conn, _| {
        let keys = verifying_keys(conn)?;
        let serial = document["id"]
            .as_str()
            .and_then(|id| id.rsplit('/').next())
            .and_then(parse_serial);
        let signature = verify_document(&document, &keys);
        // The records are consulted only for a credential Qihang signed: anything else learns
        // nothing about which serials exist.
        let (issued, matches_issued, revoked) = match signature {
            Ok(()) => against_record(conn, serial.as_deref(), &document)?,
            Err(_) => (false, false, false),
        };
        let problem = match signature {
            Err(problem) => Some(problem),
            Ok(()) if !issued => Some("Qihang issued no certificate with this serial"),
            Ok(()) if !matches_issued => {
                Some("the credential differs from the certificate issued under this serial")
            }
            Ok(()) if revoked => Some("the certificate was revoked"),
            Ok(()) => None,
        };
        Ok(CredentialCheck {
            signature_valid: signature.is_ok(),
            valid: problem.is_none(),
            revoked,
            issued,
            matches_issued,
            serial,
            problem: problem.map(Into::into),
        })
    })
    .await
}

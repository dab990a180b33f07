//! Certificates: issued once, in the transaction that completes an enrolment, with an
//! unguessable serial, a signed Open Badges 3.0 credential (W3C VC 2.0, Data Integrity proof
//! `eddsa-jcs-2022` with Ed25519) and the mail that announces it; public verification with
//! rate-limited lookups; the holder's own view and PDF; revocation by administrators of the
//! issuing union's subtree; and the published signing keys (with ids, so they can rotate).

use diesel::prelude::*;
use ed25519_dalek::{Signature, Signer, SigningKey, Verifier, VerifyingKey};
use rand::Rng;
use serde_json::{json, Value};
use sha2::{Digest, Sha256};

use super::accounts::Actor;
use super::{now, outbox, throttle, Core};
use crate::certificate_print::{self, CertificateText, PrintError};
use crate::config::Config;
use crate::db::schema::{certificates, courses, enrollments, orgs, signing_keys, users};
use crate::db::{write_tx, DbConn};
use crate::domain::{mask_name, Role};
use crate::dto::{
    CertificateStatusView, CertificateView, CredentialCheck, MyCertificateView, SigningKeyView,
};
use crate::ServiceError;

/// Serial characters: no 0/O, 1/I/L, so a serial read aloud or typed from paper survives.
const SERIAL_ALPHABET: &[u8] = b"23456789ABCDEFGHJKMNPQRSTUVWXYZ";
const SERIAL_RANDOM_CHARS: usize = 10;
const VC_CONTEXT: &str = "https://www.w3.org/ns/credentials/v2";
const OB_CONTEXT: &str = "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json";
const CRYPTOSUITE: &str = "eddsa-jcs-2022";
/// Multicodec prefix of an Ed25519 public key in a Multikey.
const ED25519_PUB_PREFIX: [u8; 2] = [0xed, 0x01];

/// A new serial: `QH-<year>-` and 10 characters of [`SERIAL_ALPHABET`] (31¹⁰ ≈ 8·10¹⁴).
pub fn new_serial(year: i32) -> String {
    let mut rng = rand::rng();
    let tail: String = (0..SERIAL_RANDOM_CHARS)
        .map(|_| char::from(SERIAL_ALPHABET[rng.random_range(0..SERIAL_ALPHABET.len())]))
        .collect();
    format!("QH-{year}-{tail}")
}

/// A serial as typed (any case, surrounding spaces), or `None` if it cannot be one.
pub fn parse_serial(input: &str) -> Option<String> {
    let serial = input.trim().to_ascii_uppercase();
    let rest = serial.strip_prefix("QH-")?;
    let (year, tail) = rest.split_once('-')?;
    let well_formed = year.len() == 4
        && year.bytes().all(|b| b.is_ascii_digit())
        && tail.len() == SERIAL_RANDOM_CHARS
        && tail.bytes().all(|b| SERIAL_ALPHABET.contains(&b));
    well_formed.then_some(serial)
}

pub fn tier_label(tier: i32) -> &'static str {
    match tier {
        1 => "基础",
        2 => "进阶",
        _ => "高级",
    }
}

fn timestamp(t: chrono::NaiveDateTime) -> String {
    t.format("%Y-%m-%dT%H:%M:%SZ").to_string()
}

/// Hours without a needless ".0" (JCS writes 6.0 as 6).
fn hours_value(hours: f64) -> Value {
    if hours.fract() == 0.0 && hours.abs() < 1e15 {
        json!(hours as i64)
    } else {
        json!(hours)
    }
}

// ---------------------------------------------------------------------------------------------
// Canonical JSON and signatures

/// RFC 8785 (JCS) serialisation: object keys sorted by UTF-16 code units, no whitespace,
/// strings escaped minimally. Numbers are written as serde_json writes them, which matches
/// JCS for the integers and short decimals credentials contain.
pub fn canonical_json(value: &Value) -> String {
    let mut out = String::new();
    write_canonical(value, &mut out);
    out
}

fn write_canonical(value: &Value, out: &mut String) {
    match value {
        Value::Object(map) => {
            let mut keys: Vec<&String> = map.keys().collect();
            keys.sort_by(|a, b| a.encode_utf16().cmp(b.encode_utf16()));
            out.push('{');
            for (i, key) in keys.into_iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                out.push_str(&Value::String(key.clone()).to_string());
                out.push(':');
                write_canonical(&map[key], out);
            }
            out.push('}');
        }
        Value::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_canonical(item, out);
            }
            out.push(']');
        }
        other => out.push_str(&other.to_string()),
    }
}

/// What is signed: SHA-256(canonical proof options) ‖ SHA-256(canonical document).
fn signing_input(document: &Value, proof_options: &Value) -> Vec<u8> {
    let mut input = Sha256::digest(canonical_json(proof_options).as_bytes()).to_vec();
    input.extend_from_slice(&Sha256::digest(canonical_json(document).as_bytes()));
    input
}

/// SHA-256 (hex) of a credential's JCS-canonical content without its proof: what was issued,
/// whoever signed it.
pub fn content_digest(document: &Value) -> String {
    let mut unsecured = document.clone();
    if let Some(o) = unsecured.as_object_mut() {
        o.remove("proof");
    }
    hex::encode(Sha256::digest(canonical_json(&unsecured).as_bytes()))
}

fn verification_method(public_url: &str, key_id: &str) -> String {
    format!(
        "{}/api/v1/certificate-keys/{key_id}",
        public_url.trim_end_matches('/')
    )
}

/// Adds a Data Integrity proof (`eddsa-jcs-2022`) to `document`.
pub fn sign_document(
    mut document: Value,
    key: &SigningKey,
    verification_method: &str,
    created: &str,
) -> Value {
    let proof_options = json!({
        "type": "DataIntegrityProof",
        "cryptosuite": CRYPTOSUITE,
        "created": created,
        "verificationMethod": verification_method,
        "proofPurpose": "assertionMethod",
        "@context": document["@context"].clone(),
    });
    let signature = key.sign(&signing_input(&document, &proof_options));
    let mut proof = proof_options;
    proof["proofValue"] = json!(format!(
        "z{}",
        bs58::encode(signature.to_bytes()).into_string()
    ));
    document["proof"] = proof;
    document
}

/// Checks a credential's proof with one of `keys` (key id → public key). The error says why.
pub fn verify_document(
    document: &Value,
    keys: &[(String, VerifyingKey)],
) -> Result<(), &'static str> {
    let mut unsecured = document.clone();
    let proof = unsecured
        .as_object_mut()
        .and_then(|o| o.remove("proof"))
        .ok_or("the credential has no proof")?;
    if proof["type"] != "DataIntegrityProof" || proof["cryptosuite"] != CRYPTOSUITE {
        return Err("the proof is not an eddsa-jcs-2022 Data Integrity proof");
    }
    if proof["@context"] != unsecured["@context"] {
        return Err("the proof's @context differs from the credential's");
    }
    let method = proof["verificationMethod"]
        .as_str()
        .ok_or("the proof names no verification method")?;
    let key_id = method.rsplit('/').next().unwrap_or_default();
    let key = keys
        .iter()
        .find(|(id, _)| id == key_id)
        .map(|(_, k)| k)
        .ok_or("the proof was made with a key Qihang did not publish")?;
    let value = proof["proofValue"]
        .as_str()
        .and_then(|v| v.strip_prefix('z'))
        .and_then(|v| bs58::decode(v).into_vec().ok())
        .ok_or("the proof value is not base58btc")?;
    let signature = Signature::from_slice(&value).map_err(|_| "the proof value is malformed")?;
    let mut options = proof;
    if let Some(o) = options.as_object_mut() {
        o.remove("proofValue");
    }
    key.verify(&signing_input(&unsecured, &options), &signature)
        .map_err(|_| "the signature does not match the credential (it was changed)")
}

/// The Ed25519 key of a Multikey `publicKeyMultibase`, if it is one.
pub fn parse_multikey(text: &str) -> Option<VerifyingKey> {
    let bytes = bs58::decode(text.strip_prefix('z')?).into_vec().ok()?;
    let key: [u8; 32] = bytes.strip_prefix(&ED25519_PUB_PREFIX)?.try_into().ok()?;
    VerifyingKey::from_bytes(&key).ok()
}

pub fn public_key_multibase(key: &VerifyingKey) -> String {
    let mut bytes = ED25519_PUB_PREFIX.to_vec();
    bytes.extend_from_slice(key.as_bytes());
    format!("z{}", bs58::encode(bytes).into_string())
}

// ---------------------------------------------------------------------------------------------
// Keys

type KeyRow = (
    String,
    Vec<u8>,
    Vec<u8>,
    chrono::NaiveDateTime,
    Option<chrono::NaiveDateTime>,
);

fn all_keys(conn: &mut DbConn) -> QueryResult<Vec<KeyRow>> {
    signing_keys::table
        .order(signing_keys::id.asc())
        .select((
            signing_keys::key_id,
            signing_keys::secret_key,
            signing_keys::public_key,
            signing_keys::created_at,
            signing_keys::retired_at,
        ))
        .load(conn)
}

fn create_key(conn: &mut DbConn) -> Result<(String, SigningKey), ServiceError> {
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
            signing_keys::secret_key.eq(seed.to_vec()),
            signing_keys::public_key.eq(key.verifying_key().as_bytes().to_vec()),
            signing_keys::created_at.eq(at),
        ))
        .execute(conn)?;
    Ok((key_id, key))
}

/// The newest key not retired; the first one is made on first use.
fn active_key(conn: &mut DbConn) -> Result<(String, SigningKey), ServiceError> {
    let newest = all_keys(conn)?.into_iter().rev().find(|k| k.4.is_none());
    match newest {
        Some((key_id, secret, ..)) => {
            let seed: [u8; 32] = secret
                .try_into()
                .map_err(|_| ServiceError::internal(format!("signing key {key_id} is corrupt")))?;
            Ok((key_id, SigningKey::from_bytes(&seed)))
        }
        None => create_key(conn),
    }
}

fn verifying_keys(conn: &mut DbConn) -> QueryResult<Vec<(String, VerifyingKey)>> {
    Ok(all_keys(conn)?
        .into_iter()
        .filter_map(|(id, _, public, ..)| {
            let bytes: [u8; 32] = public.try_into().ok()?;
            Some((id, VerifyingKey::from_bytes(&bytes).ok()?))
        })
        .collect())
}

/// Retires the current key and makes a new one; old credentials keep verifying.
pub async fn rotate_key(core: &Core) -> Result<String, ServiceError> {
    core.run(|conn, _| {
        write_tx(conn, |conn| {
            diesel::update(signing_keys::table.filter(signing_keys::retired_at.is_null()))
                .set(signing_keys::retired_at.eq(now()))
                .execute(conn)?;
            Ok(create_key(conn)?.0)
        })
    })
    .await
}

/// Every key Qihang has signed with, retired ones included.
pub async fn published_keys(core: &Core) -> Result<Vec<SigningKeyView>, ServiceError> {
    core.run(|conn, config| {
        Ok(all_keys(conn)?
            .into_iter()
            .filter_map(|(key_id, _, public, created, retired)| {
                let bytes: [u8; 32] = public.try_into().ok()?;
                let key = VerifyingKey::from_bytes(&bytes).ok()?;
                Some(SigningKeyView {
                    id: verification_method(&config.public_url, &key_id),
                    kind: "Multikey".into(),
                    key_id,
                    public_key_multibase: public_key_multibase(&key),
                    created_at: timestamp(created),
                    retired_at: retired.map(timestamp),
                })
            })
            .collect())
    })
    .await
}

// ---------------------------------------------------------------------------------------------
// Issuing

struct CredentialFacts<'a> {
    serial: &'a str,
    holder: &'a str,
    course_code: &'a str,
    course_title: &'a str,
    course_summary: &'a str,
    course_version: &'a str,
    tier: i32,
    hours: f64,
    issuer_code: &'a str,
    issuer_name: &'a str,
    issued_at: &'a str,
}

fn credential_document(public_url: &str, facts: &CredentialFacts<'_>) -> Value {
    let base = public_url.trim_end_matches('/');
    json!({
        "@context": [VC_CONTEXT, OB_CONTEXT],
        "id": format!("{base}/verify/{}", facts.serial),
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "name": format!("{} 结业证书", facts.course_title),
        "issuer": {
            "id": format!("{base}/orgs/{}", facts.issuer_code),
            "type": ["Profile"],
            "name": facts.issuer_name,
        },
        "validFrom": facts.issued_at,
        "credentialSubject": {
            "type": ["AchievementSubject"],
            "identifier": [{
                "type": "IdentityObject",
                "identityType": "name",
                "hashed": false,
                "identityHash": facts.holder,
            }],
            "achievement": {
                "id": format!("{base}/courses/{}", facts.course_code),
                "type": ["Achievement"],
                "achievementType": "Certificate",
                "name": facts.course_title,
                "description": facts.course_summary,
                "criteria": {
                    "narrative": "完成课程全部要求（课程学习、测验或线下签到）。Completed every requirement of the course.",
                },
                "creditsAvailable": hours_value(facts.hours),
                "tag": [tier_label(facts.tier)],
                "version": facts.course_version,
            },
        },
    })
}

/// Issues the certificate of a just-completed enrolment (inside its transaction) and queues
/// the mail that announces it. Returns the serial.
pub(crate) fn issue(
    conn: &mut DbConn,
    config: &Config,
    enrollment: i64,
) -> Result<String, ServiceError> {
    let (user_id, course_id): (i64, i64) = enrollments::table
        .find(enrollment)
        .select((enrollments::user_id, enrollments::course_id))
        .first(conn)?;
    let (holder, email): (String, Option<String>) = users::table
        .find(user_id)
        .select((users::name, users::email))
        .first(conn)?;
    let (code, title, summary, version, tier, hours, issuer_org): (
        String,
        String,
        String,
        String,
        i32,
        f64,
        i64,
    ) = courses::table
        .find(course_id)
        .select((
            courses::code,
            courses::title,
            courses::summary,
            courses::version,
            courses::tier,
            courses::hours,
            courses::org_id,
        ))
        .first(conn)?;
    let (issuer_code, issuer_name): (String, String) = orgs::table
        .find(issuer_org)
        .select((orgs::code, orgs::name))
        .first(conn)?;
    let issued_at = now();
    let serial = new_serial(chrono::Datelike::year(&issued_at));
    let issued = timestamp(issued_at);
    let facts = CredentialFacts {
        serial: &serial,
        holder: &holder,
        course_code: &code,
        course_title: &title,
        course_summary: &summary,
        course_version: &version,
        tier,
        hours,
        issuer_code: &issuer_code,
        issuer_name: &issuer_name,
        issued_at: &issued,
    };
    let (key_id, key) = active_key(conn)?;
    let credential = sign_document(
        credential_document(&config.public_url, &facts),
        &key,
        &verification_method(&config.public_url, &key_id),
        &issued,
    );
    diesel::insert_into(certificates::table)
        .values((
            certificates::serial.eq(&serial),
            certificates::enrollment_id.eq(enrollment),
            certificates::user_id.eq(user_id),
            certificates::course_id.eq(course_id),
            certificates::holder_name.eq(&holder),
            certificates::course_title.eq(&title),
            certificates::course_version.eq(&version),
            certificates::tier.eq(tier),
            certificates::hours.eq(hours),
            certificates::issuer_org_id.eq(issuer_org),
            certificates::issued_at.eq(issued_at),
            certificates::credential.eq(credential.to_string()),
            certificates::credential_digest.eq(content_digest(&credential)),
        ))
        .execute(conn)?;
    if let Some(email) = email {
        let link = verify_url(config, &serial);
        let body = format!(
            "{holder}，您好：\n\n祝贺您完成「{title}」（{tier}，{hours} 学时），结业证书已颁发。\n\n\
             证书编号：{serial}\n验证链接：{link}\n\n\
             任何人都可以打开验证链接核验这张证书。登录起航后，可在「我的学习」中查看、打印和下载证书。\n\n\
             Congratulations on completing \"{title}\". Certificate {serial}: {link}\n\n起航 Qihang",
            tier = tier_label(tier),
            hours = hours_value(hours),
        );
        outbox::enqueue(
            conn,
            &email,
            &format!("结业证书：{title} / Certificate issued"),
            &body,
        )?;
    }
    Ok(serial)
}

pub fn verify_url(config: &Config, serial: &str) -> String {
    format!(
        "{}/verify/{serial}",
        config.public_url.trim_end_matches('/')
    )
}

// ---------------------------------------------------------------------------------------------
// Reading

type CertificateRow = (
    String,
    i64,
    String,
    String,
    String,
    i32,
    f64,
    chrono::NaiveDateTime,
    Option<chrono::NaiveDateTime>,
    Option<String>,
    String,
    String,
    String,
    String,
);

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
            courses::code,
            certificates::tier,
            certificates::hours,
            certificates::issued_at,
            certificates::revoked_at,
            certificates::revoked_reason,
            orgs::name,
            orgs::code,
            orgs::path,
            certificates::credential,
        ))
        .first(conn)
        .optional()
}

fn status_view(config: &Config, row: &CertificateRow) -> CertificateStatusView {
    CertificateStatusView {
        serial: row.0.clone(),
        valid: row.8.is_none(),
        revoked: row.8.is_some(),
        revoked_at: row.8.map(timestamp),
        revoked_reason: row.9.clone(),
        holder: mask_name(&row.2),
        course: row.3.clone(),
        course_id: row.4.clone(),
        hours: row.6,
        tier: row.5,
        issued_at: timestamp(row.7),
        issued_on: super::china_date(row.7),
        issuer: row.10.clone(),
        issuer_code: row.11.clone(),
        verify_url: verify_url(config, &row.0),
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
    if row.1 != actor.user_id && !actor.holds(Role::Admin, &row.12) {
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
            holder_name: row.2.clone(),
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
        serde_json::from_str(&row.13)
            .map_err(|e| ServiceError::internal(format!("stored credential: {e}")))
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
            serial: row.0.clone(),
            holder: row.2.clone(),
            course_title: row.3.clone(),
            tier_label: tier_label(row.5).into(),
            hours: hours_value(row.6).to_string(),
            issuer: row.10.clone(),
            issued_on: (row.7 + chrono::Duration::hours(8))
                .format("%Y年%m月%d日")
                .to_string(),
            verify_url: verify_url(config, &row.0),
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
    core.run(move |conn, _| {
        let rows: Vec<(
            String,
            String,
            String,
            chrono::NaiveDateTime,
            Option<chrono::NaiveDateTime>,
        )> = certificates::table
            .inner_join(courses::table)
            .filter(certificates::user_id.eq(user_id))
            .order(certificates::id.desc())
            .select((
                certificates::serial,
                certificates::course_title,
                courses::code,
                certificates::issued_at,
                certificates::revoked_at,
            ))
            .load(conn)?;
        Ok(rows
            .into_iter()
            .map(
                |(serial, course, course_id, issued, revoked)| MyCertificateView {
                    serial,
                    course,
                    course_id,
                    issued_at: timestamp(issued),
                    issued_on: super::china_date(issued),
                    revoked: revoked.is_some(),
                },
            )
            .collect())
    })
    .await
}

/// Who may revoke a certificate: administrators of the issuing union's subtree, and
/// administrators over the union the completion was attributed to (her union when she
/// completed), so a city union can revoke its own learners' certificates of province courses.
fn may_revoke(conn: &mut DbConn, actor: &Actor, row: &CertificateRow) -> QueryResult<bool> {
    if actor.holds(Role::Admin, &row.12) {
        return Ok(true);
    }
    let enrollment: i64 = certificates::table
        .filter(certificates::serial.eq(&row.0))
        .select(certificates::enrollment_id)
        .first(conn)?;
    let completed_in: Option<String> = enrollments::table
        .find(enrollment)
        .select(enrollments::completed_org_path)
        .first(conn)?;
    Ok(completed_in.is_some_and(|path| actor.holds(Role::Admin, &path)))
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
        let limit = config.certificates.lookup_misses_per_15min;
        if throttle::exhausted(conn, throttle::REVOKE_MISS, &client_ip, limit)? {
            return Err(ServiceError::RateLimited {
                what: "certificate lookups that found nothing",
            });
        }
        let outcome = write_tx(conn, |conn| {
            let row = match parse_serial(&serial) {
                Some(serial) => find(conn, &serial)?,
                None => None,
            };
            let Some(row) = row else { return Ok(None) };
            if !may_revoke(conn, &actor, &row)? {
                return Ok(None);
            }
            if row.8.is_some() {
                return Err(ServiceError::AlreadyRevoked);
            }
            diesel::update(certificates::table.filter(certificates::serial.eq(&row.0)))
                .set((
                    certificates::revoked_at.eq(now()),
                    certificates::revoked_reason.eq(&reason),
                    certificates::revoked_by.eq(actor.user_id),
                ))
                .execute(conn)?;
            let row = find(conn, &row.0)?.ok_or(ServiceError::NotFound("certificate"))?;
            Ok(Some(status_view(config, &row)))
        })?;
        match outcome {
            Some(view) => Ok(view),
            None => {
                write_tx(conn, |conn| {
                    throttle::record(conn, throttle::REVOKE_MISS, &client_ip)
                        .map_err(ServiceError::from)
                })?;
                Err(ServiceError::NotFound("certificate"))
            }
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
        let (issued, matches_issued, revoked) = against_record(conn, serial.as_deref(), &document)?;
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn serials_are_well_formed_and_parse_back() {
        for _ in 0..1000 {
            let serial = new_serial(2026);
            assert_eq!(serial.len(), "QH-2026-".len() + 10);
            assert_eq!(parse_serial(&serial.to_lowercase()), Some(serial.clone()));
        }
        for bad in [
            "",
            "QH-2026-",
            "QH-2026-ABCDEFGHJ0",
            "QH-26-ABCDEFGHJK",
            "XX-2026-ABCDEFGHJK",
        ] {
            assert_eq!(parse_serial(bad), None, "{bad}");
        }
    }

    #[test]
    fn canonical_json_sorts_keys_and_drops_whitespace() {
        let v = json!({"b": [1, {"z": true, "a": null}], "a": "引号\"\n", "é": 1.5});
        assert_eq!(
            canonical_json(&v),
            r#"{"a":"引号\"\n","b":[1,{"a":null,"z":true}],"é":1.5}"#
        );
    }

    #[test]
    fn signed_documents_verify_and_tampering_is_caught() {
        let key = SigningKey::from_bytes(&[7u8; 32]);
        let keys = vec![("k1".to_string(), key.verifying_key())];
        let doc =
            json!({"@context": [VC_CONTEXT], "id": "x", "credentialSubject": {"name": "张小红"}});
        let signed = sign_document(
            doc,
            &key,
            "https://q/api/v1/certificate-keys/k1",
            "2026-01-01T00:00:00Z",
        );
        assert_eq!(verify_document(&signed, &keys), Ok(()));

        let mut tampered = signed.clone();
        tampered["credentialSubject"]["name"] = json!("张小明");
        assert!(verify_document(&tampered, &keys).is_err());

        let mut other_key = signed.clone();
        other_key["proof"]["verificationMethod"] = json!("https://q/api/v1/certificate-keys/k2");
        assert_eq!(
            verify_document(&other_key, &keys),
            Err("the proof was made with a key Qihang did not publish")
        );
        let rotated = vec![
            (
                "k0".to_string(),
                SigningKey::from_bytes(&[1u8; 32]).verifying_key(),
            ),
            ("k1".to_string(), key.verifying_key()),
        ];
        assert_eq!(verify_document(&signed, &rotated), Ok(()));
    }
}

//! Certificate credentials without storage: serials, the Open Badges 3.0 / W3C VC 2.0
//! document of a certificate, JCS canonical JSON, and Ed25519 Data Integrity proofs
//! (`eddsa-jcs-2022`) made and checked against given keys. Pure functions, no database, so
//! the offline verifier and the service layer share them.

use ed25519_dalek::{Signature, Signer, SigningKey, Verifier, VerifyingKey};
use rand::Rng;
use serde_json::{json, Value};
use sha2::{Digest, Sha256};

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

pub use crate::time::iso_utc as timestamp;

/// Hours without a needless ".0" (JCS writes 6.0 as 6).
pub fn hours_value(hours: f64) -> Value {
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

pub fn verification_method(public_url: &str, key_id: &str) -> String {
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
// The credential document

/// What a certificate's credential states.
pub struct CredentialFacts<'a> {
    pub serial: &'a str,
    pub holder: &'a str,
    pub course_code: &'a str,
    pub course_title: &'a str,
    pub course_summary: &'a str,
    pub course_version: &'a str,
    pub tier: i32,
    pub hours: f64,
    pub issuer_code: &'a str,
    pub issuer_name: &'a str,
    pub issued_at: &'a str,
}

/// The unsigned Open Badges 3.0 credential of a certificate.
pub fn credential_document(public_url: &str, facts: &CredentialFacts<'_>) -> Value {
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

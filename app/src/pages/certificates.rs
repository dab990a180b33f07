//! Certificates and her learning record: the public verification page (masked holder), her
//! printable A4 certificate with its QR code, and "my learning" with her place in the drive.
//! On an English page the course and the issuing union are named in English where they have
//! English names (the certificate itself stays as it was issued).

use leptos::prelude::*;
use leptos_router::hooks::{use_params_map, use_query_map};
use qihang_core::dto::ErrorCode;

use crate::app::{use_lang, Layout};
use crate::class_fns::china_today;
use crate::i18n::{error_message, Lang, Texts};
use crate::request::take_flash;
use crate::server_fns::{certificate_view, my_learning, verify_certificate};
use qihang_core::dto::CertificateStatusView;

fn facts(lang: Lang, s: &CertificateStatusView, holder: String) -> impl IntoView {
    let t = lang.t();
    view! {
        <dl class="facts">
            <dt>{t.cert_holder}</dt><dd class="holder">{holder}</dd>
            <dt>{t.cert_course}</dt><dd id="cert-course">{lang.pick(&s.course, s.course_en.as_deref()).to_string()}</dd>
            <dt>{t.cert_tier}</dt><dd>{t.tier(s.tier)}</dd>
            <dt>{t.cert_hours}</dt><dd>{s.hours}</dd>
            <dt>{t.cert_issuer}</dt><dd id="cert-issuer">{lang.pick(&s.issuer, s.issuer_en.as_deref()).to_string()}</dd>
            <dt>{t.cert_issued_at}</dt><dd>{s.issued_on.clone()}</dd>
            <dt>{t.cert_serial}</dt><dd><code>{s.serial.clone()}</code></dd>
        </dl>
    }
}

fn validity(t: &'static Texts, s: &CertificateStatusView) -> impl IntoView {
    if s.revoked {
        view! {
            <p class="notice error verdict" id="verdict" data-valid="false">{t.cert_revoked}
                {s.revoked_reason.clone().map(|r| view! { <br/>{t.cert_reason}"："{r} })}</p>
        }
        .into_any()
    } else {
        view! { <p class="notice ok verdict" id="verdict" data-valid="true">{t.cert_valid}</p> }
            .into_any()
    }
}

/// `/verify/:serial` (and `/verify?serial=` from its form): anyone, no sign-in.
#[component]
pub fn VerifyPage() -> impl IntoView {
    let lang = use_lang();
    let t = lang.t();
    let serial = use_params_map()
        .get_untracked()
        .get("serial")
        .or_else(|| use_query_map().get_untracked().get("serial"))
        .unwrap_or_default();
    let typed = serial.clone();
    view! {
        <Layout title=t.verify_title>
            <h1>{t.verify_title}</h1>
            <Suspense fallback=|| ()>
                {Suspend::new(async move {
                    if serial.trim().is_empty() {
                        return ().into_any();
                    }
                    match verify_certificate(serial).await {
                        Ok(status) => view! {
                            {validity(t, &status)}
                            {facts(lang, &status, status.holder.clone())}
                        }.into_any(),
                        Err(e) if e.code == ErrorCode::NotFound => view! {
                            <p class="notice error" id="verdict" data-valid="none">{t.verify_not_found}</p>
                        }.into_any(),
                        Err(e) => view! {
                            <p class="notice error" id="verdict" data-code=e.code.as_str()>{error_message(lang, e.code, None)}</p>
                        }.into_any(),
                    }
                })}
            </Suspense>
            <form method="get" action="/verify" class="search">
                <label for="serial">{t.verify_form_label}</label>
                <input id="serial" name="serial" value=typed placeholder="QH-2026-XXXXXXXXXX" autocomplete="off"/>
                <button type="submit">{t.verify_submit}</button>
            </form>
        </Layout>
    }
}

/// `/certificates/:serial`: her certificate, printable on A4.
#[component]
pub fn CertificatePage() -> impl IntoView {
    let lang = use_lang();
    let t = lang.t();
    let serial = use_params_map()
        .get_untracked()
        .get("serial")
        .unwrap_or_default();
    view! {
        <Layout title=t.certificate_title>
            <Suspense fallback=|| ()>
                {Suspend::new(async move {
                    let cert = match certificate_view(serial).await {
                        Ok(cert) => cert,
                        Err(e) if e.code == ErrorCode::Unauthenticated => {
                            crate::request::redirect_to_login();
                            return view! { <p><a href="/login">{t.nav_login}</a></p> }.into_any();
                        }
                        Err(e) => return super::error_view(lang, e.code),
                    };
                    let s = cert.status.clone();
                    let api = format!("/api/v1/certificates/{}", s.serial);
                    view! {
                        <section class="certificate" id="certificate">
                            <h1>{t.certificate_title}</h1>
                            {validity(t, &s)}
                            <p class="holder-name">{cert.holder_name.clone()}</p>
                            {facts(lang, &s, cert.holder_name.clone())}
                            <div class="qr" inner_html=cert.qr_svg.clone()></div>
                            <p class="muted">{s.verify_url.clone()}</p>
                        </section>
                        <p class="no-print muted">{t.print_hint}</p>
                        <p class="no-print actions">
                            <a class="button primary" href=format!("{api}.pdf")>{t.download_pdf}</a>
                            <a class="button" href=format!("{api}/credential.json")>{t.download_credential}</a>
                            <a class="button" href=format!("/verify/{}", s.serial)>{t.open_verify}</a>
                        </p>
                        <p class="no-print muted" id="credential-explained">{t.credential_explained}</p>
                    }.into_any()
                })}
            </Suspense>
        </Layout>
    }
}

/// `/learning`: her courses, certificates, attempts and her place in the drive.
#[component]
pub fn MyLearningPage() -> impl IntoView {
    let lang = use_lang();
    let t = lang.t();
    let signup_flash = take_flash("class_signup");
    view! {
        <Layout title=t.nav_learning>
            <h1>{t.nav_learning}</h1>
            {super::classes::signup_notice(lang, signup_flash)}
            <Suspense fallback=|| ()>
                {Suspend::new(async move {
                    let me = match my_learning().await {
                        Ok(me) => me,
                        Err(e) if e.code == ErrorCode::Unauthenticated => {
                            crate::request::redirect_to_login();
                            return view! { <p><a href="/login">{t.nav_login}</a></p> }.into_any();
                        }
                        Err(e) => return super::error_view(lang, e.code),
                    };
                    let place = me.place_in_drive.map(|n| view! {
                        <p class="notice ok place" id="place">{t.place_prefix}<strong>{n}</strong>{t.place_suffix}</p>
                    });
                    let recommended = me.recommended.clone().map(|c| view! {
                        <h2>{t.recommended_title}</h2>
                        <a class="course-card" id="recommended" href=format!("/courses/{}", c.id)>
                            <strong>{lang.pick(&c.title, c.title_en.as_deref()).to_string()}</strong>
                            <span class="meta">{t.tier(c.tier)}" · "{t.mode(&c.mode)}" · "{c.hours}" "{t.hours_unit}</span>
                        </a>
                    });
                    let enrollments = if me.enrollments.is_empty() {
                        view! { <p class="muted">{t.no_enrollments}</p> }.into_any()
                    } else {
                        view! {
                            <ul class="plain" id="enrollments">
                                {me.enrollments.iter().map(|e| {
                                    let state = if e.completed_at.is_some() { t.completed } else { t.in_progress };
                                    view! {
                                        <li><a href=format!("/courses/{}", e.course)>{lang.pick(&e.title, e.title_en.as_deref()).to_string()}</a>
                                            " · "{t.tier(e.tier)}" · "{e.lessons_read}"/"{e.lesson_count}" · "{state}</li>
                                    }
                                }).collect_view()}
                            </ul>
                        }.into_any()
                    };
                    let certificates = if me.certificates.is_empty() {
                        view! { <p class="muted">{t.no_certificates}</p> }.into_any()
                    } else {
                        view! {
                            <ul class="plain" id="certificates">
                                {me.certificates.iter().map(|c| view! {
                                    <li>
                                        <a href=format!("/certificates/{}", c.serial)>{lang.pick(&c.course, c.course_en.as_deref()).to_string()}</a>
                                        " · "<code>{c.serial.clone()}</code>" · "{c.issued_on.clone()}
                                        {c.revoked.then(|| view! { " · "<strong>{t.cert_revoked}</strong> })}
                                    </li>
                                }).collect_view()}
                            </ul>
                        }.into_any()
                    };
                    let attempts = (!me.attempts.is_empty()).then(|| view! {
                        <h2>{t.attempts_title}</h2>
                        <ul class="plain" id="attempts">
                            {me.attempts.iter().map(|a| {
                                let outcome = match (a.score, a.passed) {
                                    (Some(score), Some(passed)) => format!("{} {score} · {}", t.score_label, if passed { t.passed_mark } else { t.failed_mark }),
                                    _ => t.in_progress.to_string(),
                                };
                                view! {
                                    <li><a href=format!("/quiz/{}", a.id)>{lang.pick(&a.course_title, a.course_title_en.as_deref()).to_string()}</a>" · "{a.started_on.clone()}" · "{outcome}</li>
                                }
                            }).collect_view()}
                        </ul>
                    });
                    let today = china_today().await.unwrap_or_default();
                    let classes = super::classes::my_classes(t, lang, &me.classes, &today);
                    view! {
                        {place}
                        <section id="my-classes">
                            <h2>{t.cl_mine_title}</h2>
                            {classes}
                        </section>
                        <h2>{t.certificates_title}</h2>
                        {certificates}
                        <h2>{t.enrollments_title}</h2>
                        {enrollments}
                        {recommended}
                        {attempts}
                    }.into_any()
                })}
            </Suspense>
        </Layout>
    }
}

//! The HTML shell, the router and the shared page layout.

use leptos::prelude::*;
use leptos_meta::{provide_meta_context, MetaTags, Title};
use leptos_router::components::{Route, Router, Routes};
use leptos_router::hooks::use_location;
use leptos_router::{path, SsrMode};

use crate::i18n::Lang;
use crate::islands::PageIslands;
use crate::pages::{
    account::AccountPage, auth::ForgotPasswordPage, auth::LoginPage, auth::RegisterPage,
    auth::ResetPasswordPage, certificates::CertificatePage, certificates::MyLearningPage,
    certificates::VerifyPage, classes::CheckInPage, classes::ClassesPage, dashboard::DashboardPage,
    dashboard::EvidencePage, home::HomePage, learn::CataloguePage, learn::CoursePage,
    learn::LessonPage, org_import::OrgImportPage, packs::PackPage, packs::PacksPage,
    people::PeoplePage, people::PersonPage, privacy::PrivacyPage, quiz::QuizPage,
    trainer_classes::SessionScreenPage, trainer_classes::TrainerSessionPage,
    trainer_classes::TrainerSessionsPage,
};
use crate::server_fns::current_account;

/// The whole HTML document around the app, in the visitor's language.
pub fn shell(options: LeptosOptions) -> impl IntoView {
    let lang = crate::request::lang();
    provide_context(lang);
    let islands = PageIslands::default();
    provide_context(islands.clone());
    // Islands mode: only islands are hydrated, so the rest of the page carries no hydration
    // markers (what `HydrationScripts` would do here, had it stayed in the head).
    if let Some(context) = Owner::current_shared_context() {
        context.set_is_hydrating(false);
    }
    view! {
        <!DOCTYPE html>
        <html lang=lang.code()>
            <head>
                <meta charset="utf-8"/>
                <meta name="viewport" content="width=device-width, initial-scale=1"/>
                <meta name="theme-color" content="#b5223b"/>
                <link rel="icon" href="/favicon.ico" sizes="32x32"/>
                <link rel="icon" href="/favicon.svg" type="image/svg+xml"/>
                {stylesheet()}
                <MetaTags/>
            </head>
            <body>
                <App/>
                {island_scripts(options, islands)}
            </body>
        </html>
    }
}

/// The stylesheet. A browser that has it (the `qihang_css` cookie names the version sent for
/// its cache) gets the usual link. A first visit gets it inline instead, so the page paints as
/// soon as the HTML arrives: on a slow phone connection a linked stylesheet blocks the first
/// paint for a whole extra round trip (562.5 ms under issue 14's throttling). The same
/// response then asks the browser to fetch the stylesheet into its cache at the lowest
/// priority (`prefetch`), and sets the cookie, so the next page links it as usual.
fn stylesheet() -> AnyView {
    let href = crate::style_href();
    if crate::request::stylesheet_cached() {
        view! { <link rel="stylesheet" href=href/> }.into_any()
    } else {
        crate::request::remember_stylesheet();
        view! {
            <style inner_html=crate::STYLE></style>
            <link rel="prefetch" href=href r#as="style"/>
        }
        .into_any()
    }
}

/// The scripts that load the page's bundle and hydrate its islands, at the end of the body:
/// by then every island on the page has recorded its bundle. That holds because every route
/// renders in order (`SsrMode::Async`; the server refuses to start with a route in another
/// mode), where a suspended part is polled only once everything before it has rendered; the
/// first poll, made as the part is reached, is answered "not yet" ([`YieldOnce`]). A page
/// without islands loads no script at all.
fn island_scripts(options: LeptosOptions, islands: PageIslands) -> impl IntoView {
    Suspend::new(async move {
        YieldOnce(false).await;
        islands.output_name().map(|name| {
            let mut options = options;
            options.output_name = name.into();
            view! { <HydrationScripts options=options islands=true/> }
        })
    })
}

/// A future that is pending at its first poll (waking itself) and ready at the next.
struct YieldOnce(bool);

impl std::future::Future for YieldOnce {
    type Output = ();

    fn poll(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<()> {
        if self.0 {
            std::task::Poll::Ready(())
        } else {
            self.0 = true;
            cx.waker().wake_by_ref();
            std::task::Poll::Pending
        }
    }
}

/// Language links, plain links through `/lang/…` (which sets the language cookie and comes
/// back to this page, its query included). Not an island: hydrating it would only save that
/// redirect, at the cost of a bundle on every page.
#[component]
fn LangSwitch(current: Lang, here: String) -> impl IntoView {
    let link = move |lang: Lang, label: &'static str| {
        let href = format!(
            "/lang/{}?next={}",
            lang.code(),
            crate::islands::encode_component(&here)
        );
        let active = lang == current;
        view! {
            <a href=href lang=lang.code() class:active=active
                aria-current=if active { Some("true") } else { None }>
                {label}
            </a>
        }
    };
    view! {
        <nav class="lang-switch" aria-label="语言 / Language">
            {link(Lang::Zh, "中文")}
            " · "
            {link(Lang::En, "EN")}
        </nav>
    }
}

/// The language of the page being rendered.
pub fn use_lang() -> Lang {
    use_context::<Lang>().unwrap_or_default()
}

#[component]
pub fn App() -> impl IntoView {
    provide_meta_context();
    view! {
        <Router>
            <Routes fallback=|| view! { <NotFoundPage/> }>
                <Route path=path!("/") view=HomePage ssr=SsrMode::Async/>
                <Route path=path!("/register") view=RegisterPage ssr=SsrMode::Async/>
                <Route path=path!("/login") view=LoginPage ssr=SsrMode::Async/>
                <Route path=path!("/forgot-password") view=ForgotPasswordPage ssr=SsrMode::Async/>
                <Route path=path!("/reset-password") view=ResetPasswordPage ssr=SsrMode::Async/>
                <Route path=path!("/account") view=AccountPage ssr=SsrMode::Async/>
                <Route path=path!("/account/data") view=crate::pages::account::MyDataPage ssr=SsrMode::Async/>
                <Route path=path!("/account/deleted") view=crate::pages::account::AccountDeletedPage ssr=SsrMode::Async/>
                <Route path=path!("/privacy") view=PrivacyPage ssr=SsrMode::Async/>
                <Route path=path!("/courses") view=CataloguePage ssr=SsrMode::Async/>
                <Route path=path!("/courses/:id") view=CoursePage ssr=SsrMode::Async/>
                <Route path=path!("/courses/:id/lessons/:lesson") view=LessonPage ssr=SsrMode::Async/>
                <Route path=path!("/quiz/:id") view=QuizPage ssr=SsrMode::Async/>
                <Route path=path!("/trainer/packs") view=PacksPage ssr=SsrMode::Async/>
                <Route path=path!("/learning") view=MyLearningPage ssr=SsrMode::Async/>
                <Route path=path!("/skills") view=crate::pages::skills::SkillsPage ssr=SsrMode::Async/>
                <Route path=path!("/studios") view=crate::pages::studios::StudiosPage ssr=SsrMode::Async/>
                <Route path=path!("/studios/:id") view=crate::pages::studios::StudioPage ssr=SsrMode::Async/>
                <Route path=path!("/talent-pool") view=crate::pages::talent::TalentPage ssr=SsrMode::Async/>
                <Route path=path!("/competitions") view=crate::pages::competitions::CompetitionsPage ssr=SsrMode::Async/>
                <Route path=path!("/competitions/:id") view=crate::pages::competitions::CompetitionPage ssr=SsrMode::Async/>
                <Route path=path!("/theory/:id") view=crate::pages::theory::TheoryPage ssr=SsrMode::Async/>
                <Route path=path!("/dashboard") view=DashboardPage ssr=SsrMode::Async/>
                <Route path=path!("/dashboard/:code") view=DashboardPage ssr=SsrMode::Async/>
                <Route path=path!("/dashboard/:code/trained") view=EvidencePage ssr=SsrMode::Async/>
                <Route path=path!("/certificates/:serial") view=CertificatePage ssr=SsrMode::Async/>
                <Route path=path!("/verify") view=VerifyPage ssr=SsrMode::Async/>
                <Route path=path!("/verify/:serial") view=VerifyPage ssr=SsrMode::Async/>
                <Route path=path!("/trainer/packs/:id") view=PackPage ssr=SsrMode::Async/>
                <Route path=path!("/admin/people") view=PeoplePage ssr=SsrMode::Async/>
                <Route path=path!("/admin/audit") view=crate::pages::audit::AuditPage ssr=SsrMode::Async/>
                <Route path=path!("/admin/people/:id") view=PersonPage ssr=SsrMode::Async/>
                <Route path=path!("/admin/orgs/import") view=OrgImportPage ssr=SsrMode::Async/>
                <Route path=path!("/classes") view=ClassesPage ssr=SsrMode::Async/>
                <Route path=path!("/checkin/:id") view=CheckInPage ssr=SsrMode::Async/>
                <Route path=path!("/trainer/sessions") view=TrainerSessionsPage ssr=SsrMode::Async/>
                <Route path=path!("/trainer/sessions/:id") view=TrainerSessionPage ssr=SsrMode::Async/>
                <Route path=path!("/trainer/sessions/:id/screen") view=SessionScreenPage ssr=SsrMode::Async/>
            </Routes>
        </Router>
    }
}

/// The page for an address with nothing at it (every unknown address is served by the app,
/// so this is the site's 404): a 404 status, what happened in plain words, and the ways
/// back to the home page and the courses.
#[component]
pub fn NotFoundPage() -> impl IntoView {
    let t = use_lang().t();
    view! {
        <Layout title=t.not_found>
            <NotFoundBody/>
        </Layout>
    }
}

/// The 404 status and the page's words and ways back, also for a page whose course,
/// attempt or certificate does not exist.
#[component]
pub fn NotFoundBody() -> impl IntoView {
    crate::request::set_not_found();
    let t = use_lang().t();
    view! {
        <section class="not-found" id="not-found">
            <h1>{t.not_found}</h1>
            <p>{t.not_found_body}</p>
            <p class="actions">
                <a class="button primary" href="/" id="not-found-home">{t.not_found_home}</a>
                <a class="button" href="/courses" id="not-found-courses">{t.not_found_courses}</a>
            </p>
        </section>
    }
}

/// Header, navigation and main column shared by every page. The header is one line on a
/// phone: the links sit behind a menu button (a `<details>`, so it opens without
/// JavaScript); from 760 px up they are shown inline instead.
#[component]
pub fn Layout(title: &'static str, children: Children) -> impl IntoView {
    let lang = use_lang();
    let t = lang.t();
    // Back to this very page after a language switch, query included (a reset link's token,
    // a list's filters and page).
    let here = crate::request::here().unwrap_or_else(|| use_location().pathname.get_untracked());
    view! {
        <Title text=format!("{title} · {}", t.app_name)/>
        <header class="top">
            <a class="brand" href="/">
                <span class="mark" aria-hidden="true">"航"</span>
                {t.app_name}
            </a>
            <Suspense fallback=|| ()>
                {Suspend::new(async move {
                    let account = current_account().await.ok().flatten();
                    view! {
                        <nav class="main-nav wide" aria-label=t.menu_label>{nav_links(t, account.as_ref())}</nav>
                        <details class="menu" id="menu">
                            <summary>{t.menu_label}</summary>
                            <nav class="main-nav" aria-label=t.menu_label>{nav_links(t, account.as_ref())}</nav>
                        </details>
                    }
                })}
            </Suspense>
            <LangSwitch current=lang here=here/>
        </header>
        <main>{children()}</main>
        <footer>
            <p>{t.tagline}" · "<a href="/privacy">{t.privacy_title}</a></p>
        </footer>
    }
}

/// The navigation links for who she is: a visitor, a learner, a trainer or an administrator.
fn nav_links(
    t: &'static crate::i18n::Texts,
    account: Option<&qihang_core::dto::AccountView>,
) -> AnyView {
    let Some(account) = account else {
        return view! {
            <a href="/courses">{t.nav_courses}</a>
            <a href="/login">{t.nav_login}</a>
            <a href="/register">{t.nav_register}</a>
        }
        .into_any();
    };
    let trains = account
        .user
        .roles
        .iter()
        .any(|r| r.role == "trainer" || r.role == "admin");
    let administers = account.user.roles.iter().any(|r| r.role == "admin");
    // The province's administrators (the root of the tree, code `js`) read the audit log.
    let province = account
        .user
        .roles
        .iter()
        .any(|r| r.role == "admin" && !r.org.contains('-'));
    view! {
        <a href="/courses">{t.nav_courses}</a>
        <a href="/learning">{t.nav_learning}</a>
        <a href="/classes">{t.cl_nav}</a>
        <a href="/skills">{t.sk_nav}</a>
        <a href="/studios">{t.st_nav}</a>
        <a href="/competitions">{t.st_nav_competitions}</a>
        <a href="/account">{t.nav_account}</a>
        {trains.then(|| view! {
            <a href="/trainer/packs">{t.nav_packs}</a>
            <a href="/trainer/sessions">{t.cl_nav_trainer}</a>
        })}
        {administers.then(|| view! {
            <a href="/dashboard">{t.nav_dashboard}</a>
            <a href="/admin/people">{t.nav_people}</a>
            <a href="/talent-pool">{t.tp_nav}</a>
        })}
        {province.then(|| view! { <a href="/admin/audit">{t.al_title}</a> })}
    }
    .into_any()
}

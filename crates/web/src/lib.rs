//! The web face of Parcours: HTML pages (askama, working without JavaScript), the
//! `/api/v1` JSON API with its OpenAPI document, and the security middleware.

pub mod api;
pub mod audit;
pub mod bilan;
pub mod context;
pub mod csrf;
pub mod errors;
pub mod explorer;
pub mod headers;
pub mod i18n;
pub mod input;
pub mod jobs;
pub mod journal;
pub mod messages;
pub mod opportunities;
pub mod ops;
pub mod outcomes;
pub mod pages;
pub mod pistes;
pub mod placements;
pub mod plan;
pub mod privacy;
pub mod projects;
pub mod redirect;
pub mod referrals;
pub mod selection;
pub mod sessions;
pub mod sponsors;
pub mod synthesis;
pub mod throttle;
pub mod workspace;

use std::net::SocketAddr;
use std::sync::Arc;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::middleware::{from_fn, from_fn_with_state};
use axum::routing::{MethodRouter, delete, get, post, put};
use metrics_exporter_prometheus::PrometheusHandle;
use parcours_app::App;
use tower_http::csrf::CsrfLayer;

/// Largest request body accepted anywhere (uploads get their own limit later).
pub(crate) const MAX_BODY_BYTES: usize = 1024 * 1024;

#[derive(Clone)]
pub struct AppState {
    pub app: App,
    /// Mark cookies `Secure` (set when served over HTTPS).
    pub secure_cookies: bool,
    pub metrics: Option<PrometheusHandle>,
    /// The bearer token `/metrics` requires; without one, `/metrics` is not served.
    pub metrics_token: Option<Arc<str>>,
    /// Anonymous searches per network address (see [`throttle`]).
    pub search_throttle: Arc<throttle::Throttle>,
}

impl AppState {
    pub fn new(app: App) -> Self {
        let secure_cookies = app.config().base_url.starts_with("https://");
        AppState {
            app,
            secure_cookies,
            metrics: ops::metrics_handle(),
            metrics_token: None,
            search_throttle: Arc::new(throttle::Throttle::for_search()),
        }
    }

    /// Serves `/metrics` to requests bearing this token (an empty one counts as none).
    pub fn with_metrics_token(mut self, token: Option<String>) -> Self {
        self.metrics_token = token.filter(|t| !t.trim().is_empty()).map(Arc::from);
        self
    }
}

/// A router that remembers the paths it serves, so that tests can call every route
/// (the access matrix) without a list kept by hand.
struct Routes {
    router: Router<AppState>,
    paths: Vec<&'static str>,
}

impl Routes {
    fn new() -> Self {
        Routes {
            router: Router::new(),
            paths: Vec::new(),
        }
    }

    fn route(mut self, path: &'static str, methods: MethodRouter<AppState>) -> Self {
        self.paths.push(path);
        self.router = self.router.route(path, methods);
        self
    }
}

/// Every path pattern the application serves (`/beneficiaries/{id}`, …), pages and
/// operations alike. Which methods each takes is what the router answers: any other
/// gets 405 with an `Allow` header.
pub fn route_paths() -> Vec<&'static str> {
    let mut paths = page_routes().paths;
    paths.extend(ops_routes().paths);
    paths
}

fn page_routes() -> Routes {
    Routes::new()
        .route("/", get(pages::landing))
        .route("/login", get(pages::login_page).post(pages::login_submit))
        .route("/logout", post(pages::logout))
        .route("/logout/everywhere", post(pages::logout_everywhere))
        .route(
            "/password/forgot",
            get(pages::forgot_page).post(pages::forgot_submit),
        )
        .route(
            "/password/reset/{token}",
            get(pages::reset_page).post(pages::reset_submit),
        )
        .route("/lang/{code}", get(pages::switch_language))
        .route(
            "/connexion",
            get(pages::link_login_page).post(pages::link_login_submit),
        )
        .route(
            "/connexion/{token}",
            get(pages::link_login_open).post(pages::link_login_use),
        )
        .route(
            "/rejoindre/{token}",
            get(pages::join_open).post(pages::join_accept),
        )
        .route(
            "/orientations/suivi",
            get(referrals::advisor_request_page).post(referrals::advisor_request_submit),
        )
        .route(
            "/orientations/suivi/{token}",
            get(referrals::advisor_follow),
        )
        .route(
            "/entreprises",
            get(opportunities::partners).post(opportunities::invite_employer),
        )
        .route("/home", get(pages::home))
        .route("/beneficiaries/{id}", get(pages::person))
        .route("/beneficiaries/{id}/contact", post(pages::update_contact))
        .route("/beneficiaries/{id}/orienteur", post(pages::milestones))
        .route("/parcours", get(bilan::own_journey))
        .route("/parcours/consentement", post(bilan::consent))
        .route("/parcours/donnees", get(privacy::own_data))
        .route("/parcours/donnees/archive.zip", get(privacy::own_archive))
        .route(
            "/parcours/donnees/effacement",
            post(privacy::request_erasure),
        )
        .route(
            "/parcours/donnees/effacement/annuler",
            post(privacy::withdraw_erasure),
        )
        .route("/donnees", get(privacy::requests))
        .route(
            "/beneficiaries/{id}/donnees.zip",
            get(privacy::person_archive),
        )
        .route("/beneficiaries/{id}/effacement", post(privacy::erase))
        .route("/api/v1/me/personal-data", get(privacy::api_personal_data))
        .route("/beneficiaries/{id}/parcours", get(bilan::person_journey))
        .route("/beneficiaries/{id}/phase", post(bilan::advance))
        .route(
            "/activites/{id}",
            get(bilan::activity).post(bilan::submit_form),
        )
        .route(
            "/activites/{id}/q/{n}",
            get(bilan::question).post(bilan::answer_question),
        )
        .route("/activites/{id}/resultats", get(bilan::results))
        .route(
            "/parcours/journal",
            get(journal::own_journal).post(journal::create_entry),
        )
        .route("/parcours/journal/nouveau", get(journal::new_entry))
        .route(
            "/parcours/journal/{id}",
            get(journal::edit_entry).post(journal::update_entry),
        )
        .route(
            "/parcours/journal/{id}/supprimer",
            post(journal::delete_entry),
        )
        .route("/beneficiaries/{id}/journal", get(journal::person_journal))
        .route("/parcours/pistes", get(pistes::own_pistes))
        .route("/parcours/projet", get(projects::own_project))
        .route("/parcours/plan", get(plan::own_plan))
        .route("/beneficiaries/{id}/plan", get(plan::person_plan))
        .route(
            "/beneficiaries/{id}/plan/objectifs",
            post(plan::add_objective),
        )
        .route(
            "/beneficiaries/{id}/plan/objectifs/{objective}/actions",
            post(plan::add_action),
        )
        .route(
            "/beneficiaries/{id}/plan/actions/{action}",
            post(plan::set_status),
        )
        .route("/api/v1/beneficiaries/{id}/plan", get(plan::api_plan))
        .route(
            "/api/v1/beneficiaries/{id}/plan/objectives",
            post(plan::api_add_objective),
        )
        .route(
            "/api/v1/plan/objectives/{id}/actions",
            post(plan::api_add_action),
        )
        .route(
            "/api/v1/plan/actions/{id}/status",
            put(plan::api_set_status),
        )
        .route(
            "/beneficiaries/{id}/projet",
            get(projects::person_project).post(projects::choose),
        )
        .route(
            "/beneficiaries/{id}/projet/preuves",
            post(projects::record_evidence),
        )
        .route(
            "/beneficiaries/{id}/projet/statut",
            post(projects::move_status),
        )
        .route(
            "/api/v1/beneficiaries/{id}/project",
            get(projects::api_project).post(projects::api_choose),
        )
        .route(
            "/api/v1/beneficiaries/{id}/project/evidence/{item}",
            put(projects::api_record_evidence),
        )
        .route(
            "/api/v1/beneficiaries/{id}/project/status",
            put(projects::api_move),
        )
        .route(
            "/beneficiaries/{id}/pistes",
            get(pistes::person_pistes).post(pistes::add),
        )
        .route("/beneficiaries/{id}/pistes/{code}", post(pistes::change))
        .route("/api/v1/beneficiaries/{id}/pistes", get(pistes::api_pistes))
        .route(
            "/api/v1/beneficiaries/{id}/pistes/{code}",
            put(pistes::api_change_piste),
        )
        .route(
            "/api/v1/beneficiaries/{id}/journal",
            get(journal::api_journal).post(journal::api_write_entry),
        )
        .route(
            "/api/v1/journal/{id}",
            put(journal::api_update_entry).delete(journal::api_delete_entry),
        )
        .route(
            "/api/v1/beneficiaries/{id}/journey",
            get(bilan::api_journey),
        )
        .route("/api/v1/activities/{id}", get(bilan::api_activity))
        .route(
            "/api/v1/activities/{id}/answers",
            put(bilan::api_save_answers),
        )
        .route("/api/v1/activities/{id}/results", get(bilan::api_results))
        .route("/metiers", get(explorer::occupations))
        .route("/metiers/{code}", get(explorer::fiche))
        .route("/api/v1/occupations", get(explorer::api_occupations))
        .route("/api/v1/occupations/{code}", get(explorer::api_occupation))
        .route("/api/v1/communes", get(explorer::api_communes))
        .route("/agenda", get(sessions::agenda))
        .route("/agenda/creneaux", post(sessions::publish))
        .route("/agenda/creneaux/{id}/retirer", post(sessions::withdraw))
        .route("/parcours/rendez-vous", get(sessions::own_sessions))
        .route("/parcours/rendez-vous/reserver", post(sessions::book_own))
        .route(
            "/parcours/rendez-vous/{id}/agenda.ics",
            get(sessions::calendar_file),
        )
        .route(
            "/beneficiaries/{id}/rendez-vous",
            get(sessions::person_sessions),
        )
        .route(
            "/beneficiaries/{id}/rendez-vous/invitation",
            post(sessions::invite),
        )
        .route(
            "/beneficiaries/{id}/rendez-vous/{appointment}",
            post(sessions::attendance),
        )
        .route(
            "/rendez-vous/{token}",
            get(sessions::invitation).post(sessions::book_from_invitation),
        )
        .route(
            "/rendez-vous/{token}/{id}/agenda.ics",
            get(sessions::invitation_calendar),
        )
        .route("/parcours/synthese", get(synthesis::own_synthesis))
        .route(
            "/beneficiaries/{id}/synthese",
            get(synthesis::person_synthesis).post(synthesis::issue),
        )
        .route(
            "/beneficiaries/{id}/synthese/document",
            get(synthesis::download),
        )
        .route(
            "/beneficiaries/{id}/synthese/conservation",
            post(synthesis::keep),
        )
        .route(
            "/beneficiaries/{id}/synthese/partages",
            post(synthesis::share),
        )
        .route(
            "/beneficiaries/{id}/synthese/partages/{share}/retirer",
            post(synthesis::revoke),
        )
        .route("/documents/partage/{token}", get(synthesis::shared))
        .route(
            "/beneficiaries/{id}/notes",
            get(workspace::notes_page).post(workspace::add_note),
        )
        .route(
            "/beneficiaries/{id}/notes/{note}/supprimer",
            post(workspace::delete_note),
        )
        .route("/beneficiaries/{id}/transfert", post(workspace::transfer))
        .route("/beneficiaries/{id}/espace", post(workspace::invite))
        .route(
            "/beneficiaries/{id}/suivi",
            get(outcomes::person_outcomes).post(outcomes::record_outcome),
        )
        .route("/programmes/{id}/resultats", get(outcomes::results))
        .route("/programmes/{id}/resultats.csv", get(outcomes::results_csv))
        .route(
            "/api/v1/programmes/{id}/outcomes",
            get(outcomes::api_report),
        )
        .route("/programmes/{id}/resultats.pdf", get(outcomes::results_pdf))
        .route(
            "/programmes/{id}/resultats.xlsx",
            get(outcomes::results_xlsx),
        )
        .route(
            "/programmes/{id}/resultats/cellule",
            post(outcomes::set_min_cell),
        )
        .route(
            "/programmes/{id}/resultats/regle",
            post(outcomes::change_rule),
        )
        .route(
            "/programmes/{id}/resultats/questions",
            post(outcomes::edit_questions),
        )
        .route(
            "/questionnaire-suivi/{token}",
            get(outcomes::survey).post(outcomes::answer_survey),
        )
        .route(
            "/beneficiaries/{id}/documents/{document}",
            get(workspace::document),
        )
        .route(
            "/parcours/messages",
            get(messages::own_messages).post(messages::own_start),
        )
        .route(
            "/beneficiaries/{id}/messages",
            get(messages::person_messages).post(messages::person_start),
        )
        .route(
            "/messages/{thread}",
            get(messages::thread).post(messages::reply),
        )
        .route(
            "/orientations",
            get(referrals::list).post(referrals::submit),
        )
        .route(
            "/orientations/import",
            post(referrals::upload).layer(DefaultBodyLimit::max(csrf::MAX_UPLOAD_BYTES)),
        )
        .route(
            "/orientations/import/{id}",
            get(referrals::import_page).post(referrals::correct),
        )
        .route("/orientations/import/{id}/valider", post(referrals::commit))
        .route("/orientations/export.csv", get(referrals::export))
        .route("/orientations/{id}/decision", post(referrals::decide))
        .route(
            "/orientations/{id}/justificatifs",
            post(referrals::evidence),
        )
        .route(
            "/programmes/{id}",
            get(referrals::settings).post(referrals::save_settings),
        )
        .route("/cohortes", post(referrals::add_cohort))
        .route(
            "/api/v1/referrals",
            get(referrals::api_list).post(referrals::api_submit),
        )
        .route(
            "/api/v1/referrals/{id}/decision",
            put(referrals::api_decide),
        )
        .route("/entreprise", get(opportunities::employer_space))
        .route("/entreprise/filleuls", get(sponsors::mentees))
        .route(
            "/entreprise/filleuls/{request}/rencontres",
            post(sponsors::log_meeting),
        )
        .route("/entreprise/opportunites", post(opportunities::offer))
        .route(
            "/entreprise/opportunites/{id}/pause",
            post(opportunities::pause),
        )
        .route("/parcours/opportunites", get(opportunities::own))
        .route(
            "/beneficiaries/{id}/opportunites",
            get(opportunities::of_person),
        )
        .route(
            "/beneficiaries/{id}/opportunites/demandes",
            post(opportunities::request),
        )
        .route(
            "/beneficiaries/{id}/opportunites/demandes/{request}/avis",
            post(opportunities::candidate_feedback),
        )
        .route(
            "/demandes/{token}",
            get(opportunities::employer_link).post(opportunities::employer_answer),
        )
        .route(
            "/demandes/{token}/avis",
            post(opportunities::employer_feedback),
        )
        .route("/parcours/sorties", get(placements::own))
        .route(
            "/beneficiaries/{id}/sorties",
            get(placements::of_person).post(placements::record),
        )
        .route(
            "/api/v1/beneficiaries/{id}/placements",
            get(placements::api_list).post(placements::api_record),
        )
        .route("/selection", get(selection::page))
        .route("/selection/evenements", post(selection::add_event))
        .route("/selection/evenements/{id}", get(selection::event))
        .route(
            "/selection/evenements/{id}/invitations",
            post(selection::invite),
        )
        .route(
            "/selection/evenements/{id}/presence/{person}",
            post(selection::attendance),
        )
        .route(
            "/selection/evenements/{id}/grille/{person}",
            post(selection::evaluate),
        )
        .route(
            "/selection/candidats/{person}/decision",
            post(selection::decide),
        )
        .route("/admin/taches", get(jobs::jobs))
        .route("/admin/audit", get(audit::audit_log))
        .route("/admin/taches/{id}/relancer", post(jobs::retry))
        .route("/api/v1/slots", post(sessions::api_publish))
        .route(
            "/api/v1/beneficiaries/{id}/appointments",
            get(sessions::api_appointments),
        )
        .route(
            "/api/v1/beneficiaries/{id}/booking-invitations",
            post(sessions::api_invite),
        )
        .route(
            "/api/v1/appointments/{id}/attendance",
            put(sessions::api_attendance),
        )
        .route(
            "/api/v1/beneficiaries/{id}/synthesis",
            get(synthesis::api_download).post(synthesis::api_issue),
        )
        .route(
            "/api/v1/beneficiaries/{id}/synthesis/shares",
            get(synthesis::api_shares).post(synthesis::api_share),
        )
        .route(
            "/api/v1/beneficiaries/{id}/synthesis/shares/{share}",
            delete(synthesis::api_revoke),
        )
        .route(
            "/api/v1/beneficiaries/{id}/notes",
            get(workspace::api_notes).post(workspace::api_add_note),
        )
        .route(
            "/api/v1/beneficiaries/{id}/coach",
            put(workspace::api_transfer),
        )
        .route(
            "/api/v1/beneficiaries/{id}/messages",
            get(messages::api_threads).post(messages::api_start),
        )
        .route("/api/v1/threads/{id}", get(messages::api_thread))
        .route("/api/v1/threads/{id}/messages", post(messages::api_reply))
        .route("/api/v1/admin/jobs", get(jobs::api_jobs))
        .route("/api/v1/me", get(api::me))
        .route("/api/v1/beneficiaries/{id}", get(api::beneficiary))
}

fn ops_routes() -> Routes {
    Routes::new()
        .route("/healthz", get(ops::healthz))
        .route("/livez", get(ops::livez))
        .route("/metrics", get(ops::metrics))
        .route("/api/v1/openapi.json", get(api::openapi))
        .route("/static/app.css", get(ops::stylesheet))
        .route(ops::HTMX_PATH, get(ops::htmx))
}

pub fn router(state: AppState) -> Router {
    let pages = page_routes()
        .router
        .fallback(pages::not_found)
        .method_not_allowed_fallback(pages::method_not_allowed)
        // Innermost first: the text rule, token check, then Origin check, then error
        // pages, then context.
        .layer(from_fn(input::text_rule))
        .layer(from_fn(csrf::require_token))
        .layer(CsrfLayer::new())
        .layer(from_fn(errors::render_errors))
        .layer(from_fn_with_state(state.clone(), context::load_context));
    pages
        .merge(
            ops_routes()
                .router
                .method_not_allowed_fallback(pages::method_not_allowed),
        )
        .layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
        .layer(from_fn_with_state(
            state.secure_cookies,
            headers::security_headers,
        ))
        .layer(from_fn(ops::track_metrics))
        .with_state(state)
}

/// Serves until Ctrl-C or SIGTERM, finishing requests in flight.
pub async fn serve(listener: tokio::net::TcpListener, state: AppState) -> std::io::Result<()> {
    let app = router(state).into_make_service_with_connect_info::<SocketAddr>();
    axum::serve(listener, app)
        .with_graceful_shutdown(shutdown_signal())
        .await
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = terminate => {},
    }
}

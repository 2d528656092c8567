//! The JSON API under `/api/v1`, described by an OpenAPI document built from the
//! handlers the features route. Same session and rules as the pages; errors are problem+json.

use axum::Json;
use axum::extract::State;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use utoipa::{OpenApi, ToSchema};
use uuid::Uuid;

use crate::AppState;
use crate::context::SignedIn;
use crate::errors::HttpError;
use crate::kit::IdPath;
use crate::routes::Routes;
use parcours_domain::ids::PersonId;
use std::sync::OnceLock;
use utoipa_axum::routes;

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Parcours API",
        description = "Career-orientation and job-insertion programmes."
    ),
    components(schemas(
        Me,
        crate::partners::OrganisationLineDto,
        crate::partners::NewOrganisationDto,
        crate::partners::OrganisationCreatedDto,
        crate::programmes::ProgrammeLineDto,
        crate::programmes::ProgrammeDto,
        crate::programmes::ProgrammeInputDto,
        crate::programmes::QuotaDto,
        crate::programmes::QuotaInputDto,
        crate::programmes::CohortDto,
        crate::programmes::NewCohortDto,
        crate::programmes::CreatedIdDto,
        OrganisationRef,
        Beneficiary,
        EnrolmentSummary,
        crate::bilan::Journey,
        crate::bilan::ActivitySummary,
        crate::bilan::ActivityDto,
        crate::journal::JournalDto,
        crate::pistes::PistesDto,
        crate::pistes::PisteDto,
        crate::pistes::RejectedDto,
        crate::pistes::PisteChangeDto,
        crate::projects::ProjectDto,
        crate::projects::EvidenceDto,
        crate::projects::GateEventDto,
        crate::projects::ChooseForm,
        crate::projects::MoveForm,
        crate::projects::EvidenceNoteDto,
        crate::plan::PlanDto,
        crate::plan::ObjectiveDto,
        crate::plan::ActionDto,
        crate::plan::CreatedId,
        crate::plan::ObjectiveForm,
        crate::plan::ActionForm,
        crate::plan::StatusForm,
        crate::appointments::SlotDto,
        crate::appointments::AppointmentDto,
        crate::appointments::AppointmentsDto,
        crate::appointments::PublishedDto,
        crate::appointments::InvitationDto,
        crate::appointments::SlotForm,
        crate::appointments::AttendanceForm,
        crate::synthesis::IssuedDto,
        crate::synthesis::ShareDto,
        crate::referrals::ReferralDto,
        crate::placements::PlacementDto,
        crate::placements::PlacementForm,
        crate::placements::PlacementCreatedDto,
        crate::referrals::NewReferralDto,
        crate::referrals::ReferralCreatedDto,
        crate::referrals::DecisionForm,
        crate::synthesis::NewShareDto,
        crate::synthesis::ShareCreatedDto,
        crate::workspace::NoteDto,
        crate::workspace::NoteForm,
        crate::workspace::NoteCreatedDto,
        crate::workspace::TransferForm,
        crate::messages::ThreadsDto,
        crate::messages::ThreadDto,
        crate::messages::MessageDto,
        crate::messages::NewThreadForm,
        crate::messages::ReplyForm,
        crate::messages::ThreadCreatedDto,
        crate::jobs::JobsDto,
        crate::jobs::JobDto,
        crate::journal::JournalEntryDto,
        crate::journal::PromptDto,
        crate::journal::NewEntryDto,
        crate::journal::EntryUpdateDto,
        crate::journal::CreatedDto,
        crate::bilan::QuestionDto,
        crate::bilan::AnswersDto,
        crate::bilan::AnswerDto,
        crate::bilan::SavedDto,
        crate::bilan::ResultsDto,
        crate::errors::FieldProblem,
        crate::errors::Problem,
        crate::reference::OccupationSummary,
        crate::reference::OccupationDetail,
        crate::reference::NamedCode,
        crate::reference::SkillRef,
        crate::reference::InterestRef,
        crate::reference::CommuneSummary,
        crate::setup::OrganisationDto,
        crate::setup::OrganisationPatch,
        crate::staff::AccountDto,
        crate::staff::NewAccountDto,
        crate::staff::AccountCreatedDto,
        crate::staff::AccountChangeDto,
        crate::appointments::PastSessionForm,
        crate::appointments::PastSessionDto,
        crate::opportunities::OpportunityDto,
        crate::opportunities::OpportunityInputDto,
        crate::opportunities::OpportunityCreatedDto,
        crate::homes::CaseloadLineDto,
        crate::homes::PhaseCountDto,
        crate::homes::FundedProgrammeDto,
    ))
)]
pub struct ApiDoc;

#[derive(Serialize, ToSchema)]
pub struct OrganisationRef {
    pub id: Uuid,
    pub name: String,
}

#[derive(Serialize, ToSchema)]
pub struct Me {
    pub user_id: Uuid,
    pub display_name: String,
    pub email: String,
    /// One of beneficiary, coach, referrer, employer, programme_manager, funder, admin.
    pub role: String,
    pub organisation: OrganisationRef,
}

#[derive(Serialize, ToSchema)]
pub struct EnrolmentSummary {
    pub programme: String,
    /// referred, preliminary, investigation, conclusions or follow_up.
    pub phase: String,
    pub coach: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct Beneficiary {
    pub id: Uuid,
    pub first_name: String,
    pub last_name: String,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub commune_code: Option<String>,
    pub birth_year: Option<i32>,
    pub enrolments: Vec<EnrolmentSummary>,
}

/// The signed-in user.
#[utoipa::path(get, path = "/api/v1/me", responses(
    (status = 200, description = "The signed-in user", body = Me),
    (status = 401, description = "Not signed in")
))]
pub async fn me(SignedIn(a): SignedIn) -> Result<Json<Me>, HttpError> {
    Ok(Json(Me {
        user_id: a.user_id,
        display_name: a.display_name.clone(),
        email: a.email.clone(),
        role: a.role.code().to_owned(),
        organisation: OrganisationRef {
            id: a.organisation_id,
            name: a.organisation_name.clone(),
        },
    }))
}

/// A beneficiary's file (audited like the page).
#[utoipa::path(get, path = "/api/v1/beneficiaries/{id}",
    params(("id" = Uuid, Path, description = "Person id")),
    responses(
        (status = 200, description = "The person's file", body = Beneficiary),
        (status = 401, description = "Not signed in"),
        (status = 403, description = "The role may not open this file"),
        (status = 404, description = "No such person in your organisation")
))]
pub async fn beneficiary(
    State(state): State<AppState>,
    SignedIn(actor): SignedIn,
    IdPath(id): IdPath<PersonId>,
) -> Result<Json<Beneficiary>, HttpError> {
    let file = state.app.person_file(&actor, id.into()).await?;
    let p = file.person;
    Ok(Json(Beneficiary {
        id: p.id,
        first_name: p.first_name,
        last_name: p.last_name,
        email: p.email,
        phone: p.phone,
        commune_code: p.commune_code,
        birth_year: p.birth_year,
        enrolments: file
            .enrolments
            .into_iter()
            .map(|e| EnrolmentSummary {
                programme: e.programme_name,
                phase: e.enrolment.phase.code().to_owned(),
                coach: e.coach_name,
            })
            .collect(),
    }))
}

/// The OpenAPI document: the info and schemas declared on [`ApiDoc`], with the paths
/// the features' routers declare (`Routes::api`) and the schemas those name.
pub fn document() -> utoipa::openapi::OpenApi {
    let routes = crate::page_routes();
    let mut doc = ApiDoc::openapi();
    doc.paths.merge(routes.api_paths);
    let schemas = &mut doc
        .components
        .get_or_insert_with(utoipa::openapi::Components::new)
        .schemas;
    for (name, schema) in routes.api_schemas {
        // A schema named on `ApiDoc` keeps its definition.
        schemas.entry(name).or_insert(schema);
    }
    doc
}

pub async fn openapi() -> Response {
    // The document does not change while the program runs: write it once.
    static JSON: OnceLock<Result<String, String>> = OnceLock::new();
    match JSON.get_or_init(|| document().to_json().map_err(|e| e.to_string())) {
        Ok(json) => ([(header::CONTENT_TYPE, "application/json")], json.clone()).into_response(),
        Err(e) => HttpError::internal("openapi", e.clone()).into_response(),
    }
}

/// The routes of this feature (see [`crate::routes::Routes`]).
pub(crate) fn router() -> Routes {
    Routes::new().api(routes!(me)).api(routes!(beneficiary))
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    /// The API routes served and the paths the OpenAPI document lists are the same.
    #[test]
    fn every_api_route_is_documented() {
        let doc = super::document();
        let documented: BTreeSet<&str> = doc.paths.paths.keys().map(String::as_str).collect();
        let served: BTreeSet<&str> = crate::route_paths()
            .into_iter()
            .filter(|p| p.starts_with("/api/") && *p != "/api/v1/openapi.json")
            .collect();
        assert_eq!(served, documented);
        assert!(
            documented.len() > 40,
            "{} paths documented",
            documented.len()
        );
    }

    /// An API route added with `route` instead of `api` (even a method on a documented
    /// path) would serve what the document does not describe.
    #[test]
    fn api_routes_are_declared_with_their_openapi_entry() {
        assert_eq!(crate::page_routes().undocumented_api, Vec::<&str>::new());
    }
}

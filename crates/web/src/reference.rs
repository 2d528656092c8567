//! The public occupation explorer: search, browse by field or interest, fiche pages
//! with the local labour market; and the matching `/api/v1` endpoints.

use std::sync::Arc;
use std::time::Instant;

use askama::Template;
use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use fluent_templates::fluent_bundle::FluentValue;
use parcours_app::FieldError;
use parcours_catalog::search::{QueryError, check_query};
use parcours_catalog::{Catalog, Fiche, ItemKind, OccupationHit};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::AppState;
use crate::context::Ctx;
use crate::errors::{FieldProblem, HttpError, Problem};
use crate::i18n::Lang;
use crate::kit::{
    ErrorItem, ErrorPage, Field, Page, PageResult, attach_errors, format_count, render,
};
use crate::routes::Routes;
use axum::routing::get;
use utoipa_axum::routes;

const RESULTS: usize = 30;

fn catalog(state: &AppState) -> Result<Arc<Catalog>, HttpError> {
    state.app.catalog().ok_or(HttpError::Unavailable)
}

/// Why a public search was not run.
pub(crate) enum SearchRefused {
    /// Too long, or too many words: a field error on `q`.
    Query(QueryError),
    /// This anonymous address searched too much lately: retry after so many seconds.
    Throttled(u64),
}

/// Admits one public search: an anonymous visitor's takes a token from their network
/// address's bucket (refused queries too: they cost the same to send), then the query
/// must be within the bounds of [`check_query`]. Signed-in users are not throttled.
pub(crate) fn admit_search(state: &AppState, ctx: &Ctx, query: &str) -> Result<(), SearchRefused> {
    if ctx.actor.is_none() {
        state
            .search_throttle
            .take(&ctx.client_ip, Instant::now())
            .map_err(SearchRefused::Throttled)?;
    }
    check_query(query).map_err(SearchRefused::Query)
}

/// The answer to a refused search: 422 naming `q` or 429 with Retry-After, as
/// problem+json for the API or as a page in the visitor's language.
fn api_refusal(field: &str, refused: SearchRefused) -> Response {
    match refused {
        SearchRefused::Query(e) => HttpError::Unprocessable(vec![FieldProblem {
            field: field.to_owned(),
            code: e.code().to_owned(),
            message: format!("`{field}` {e}"),
        }])
        .into_response(),
        SearchRefused::Throttled(secs) => {
            let body = serde_json::json!({
                "type": "about:blank",
                "title": "Too many searches",
                "status": 429,
                "detail": format!(
                    "Too many searches from your network address: wait {secs} seconds and try again, or sign in."
                ),
            });
            throttled(
                (StatusCode::TOO_MANY_REQUESTS, body.to_string()).into_response(),
                secs,
                "application/problem+json",
            )
        }
    }
}

fn throttled(mut response: Response, secs: u64, content_type: &'static str) -> Response {
    let headers = response.headers_mut();
    headers.insert(header::RETRY_AFTER, HeaderValue::from(secs));
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    response
}

fn page_throttled(ctx: &Ctx, secs: u64) -> PageResult {
    let lang = ctx.lang;
    let page = render(&ErrorPage {
        p: Page::new(ctx, lang.t("error-429-title")),
        message: lang.t_args(
            "error-search-rate-limited",
            &[("seconds", FluentValue::from(secs))],
        ),
        reference: None,
    })?;
    Ok(throttled(
        (StatusCode::TOO_MANY_REQUESTS, page).into_response(),
        secs,
        "text/html; charset=utf-8",
    ))
}

fn source(lang: Lang, catalog: &Catalog) -> String {
    lang.t_args(
        "explorer-source",
        &[("version", FluentValue::from(catalog.version.number.clone()))],
    )
}

pub struct NavItem {
    pub code: String,
    pub label: String,
    pub current: bool,
}

pub struct ListedFiche {
    pub code: String,
    pub label: String,
    pub principal: bool,
}

#[derive(Template)]
#[template(path = "occupations.html")]
struct OccupationsPage {
    p: Page,
    fields: Vec<Field>,
    errors: Vec<ErrorItem>,
    results_heading: Option<String>,
    hits: Vec<OccupationHit>,
    list_heading: Option<String>,
    listed: Vec<ListedFiche>,
    domains: Vec<NavItem>,
    interests: Vec<NavItem>,
    source: String,
}

#[derive(Debug, Deserialize, Default)]
#[serde(default)]
pub struct ExplorerQuery {
    q: String,
    domaine: String,
    interet: String,
}

pub async fn occupations(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(q): Query<ExplorerQuery>,
) -> PageResult {
    let catalog = catalog(&state)?;
    let lang = ctx.lang;
    let query = q.q.trim();
    let mut page = OccupationsPage {
        p: Page::new(&ctx, lang.t("explorer-title")),
        fields: vec![
            Field::new(lang, "q", "explorer-search-label", "search", "off")
                .value(query)
                .hint(lang, "explorer-search-hint"),
        ],
        errors: Vec::new(),
        results_heading: None,
        hits: Vec::new(),
        list_heading: None,
        listed: Vec::new(),
        domains: catalog
            .grands_domaines
            .iter()
            .map(|d| NavItem {
                code: d.code.clone(),
                label: d.label.clone(),
                current: d.code == q.domaine,
            })
            .collect(),
        interests: catalog
            .centres_interet
            .iter()
            .map(|c| NavItem {
                code: c.code.to_string(),
                label: c.label.clone(),
                current: c.code.to_string() == q.interet,
            })
            .collect(),
        source: source(lang, &catalog),
    };
    if !query.is_empty() {
        match admit_search(&state, &ctx, query) {
            Ok(()) => {}
            Err(SearchRefused::Throttled(secs)) => return page_throttled(&ctx, secs),
            Err(SearchRefused::Query(e)) => {
                page.errors = attach_errors(
                    lang,
                    &mut page.fields,
                    &[FieldError {
                        field: "q",
                        code: e.code(),
                    }],
                );
                return Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&page)?).into_response());
            }
        }
        page.hits = catalog.search_occupations(query, RESULTS);
        page.results_heading = Some(lang.t_args(
            "explorer-results",
            &[
                ("count", FluentValue::from(page.hits.len())),
                ("query", FluentValue::from(query.to_owned())),
            ],
        ));
    } else if let Some(label) = catalog
        .domain_label(&q.domaine)
        .filter(|_| !q.domaine.is_empty())
    {
        page.list_heading = Some(lang.t_args(
            "explorer-domain-fiches",
            &[("domain", FluentValue::from(label.to_owned()))],
        ));
        page.listed = catalog
            .fiches_in_domain(&q.domaine)
            .map(|f| ListedFiche {
                code: f.code.clone(),
                label: f.label.clone(),
                principal: false,
            })
            .collect();
    } else if let Some(centre) = q
        .interet
        .parse::<u8>()
        .ok()
        .and_then(|c| catalog.centre_interet(c))
    {
        page.list_heading = Some(lang.t_args(
            "explorer-interest-fiches",
            &[("interest", FluentValue::from(centre.label.clone()))],
        ));
        page.listed = catalog
            .fiches_with_interest(centre.code)
            .into_iter()
            .map(|f| ListedFiche {
                code: f.code.clone(),
                label: f.label.clone(),
                principal: f.interests.iter().any(|(c, p)| *c == centre.code && *p),
            })
            .collect();
    }
    Ok(render(&page)?.into_response())
}

pub struct SkillLine {
    pub label: String,
    pub badge: Option<String>,
}

pub struct SkillGroup {
    pub title: String,
    pub items: Vec<SkillLine>,
}

pub struct MarketRow {
    pub name: String,
    pub distance: String,
    pub offers: String,
    pub seekers: String,
    pub tension: String,
}

pub struct Market {
    pub heading: String,
    pub summary: String,
    pub rows: Vec<MarketRow>,
}

#[derive(Template)]
#[template(path = "fiche.html")]
struct FichePage {
    p: Page,
    fiche: Fiche,
    domain: String,
    riasec: Vec<String>,
    riasec_code: String,
    tags: Vec<String>,
    fields: Vec<Field>,
    errors: Vec<ErrorItem>,
    market: Option<Market>,
    appellations: Vec<String>,
    skill_groups: Vec<SkillGroup>,
    contexts: Vec<String>,
    interests: Vec<NavItem>,
    mobility: Vec<NavItem>,
    source: String,
}

#[derive(Debug, Deserialize, Default)]
#[serde(default)]
pub struct FicheQuery {
    commune: String,
    rayon: String,
}

fn market(
    lang: Lang,
    catalog: &Catalog,
    fiche: &Fiche,
    commune: &str,
    radius: f64,
) -> Option<Market> {
    let home = catalog.geo.commune(commune)?;
    let areas = catalog.geo.areas_within(commune, radius)?;
    let summary = catalog.geo.tension_in_reach(fiche, &areas);
    let km = |d: f64| format!("{} km", format_count(lang, d.round() as u64));
    let rows = areas
        .iter()
        .map(|a| {
            let t = catalog.geo.tension(&fiche.parent_v3, a.code);
            let no_data = lang.t("no-data");
            MarketRow {
                name: a.name.clone(),
                distance: km(a.distance_km),
                offers: t.map_or(no_data.clone(), |t| format_count(lang, u64::from(t.offers))),
                seekers: t.map_or(no_data.clone(), |t| {
                    format_count(lang, u64::from(t.seekers))
                }),
                tension: t.map_or(no_data, |t| t.index.to_string()),
            }
        })
        .collect();
    let index = summary
        .mean_index
        .map(|i| crate::kit::format_decimal(lang, i, 1));
    Some(Market {
        heading: lang.t_args(
            "fiche-market-for",
            &[
                ("commune", FluentValue::from(home.name.clone())),
                ("radius", FluentValue::from(radius)),
            ],
        ),
        summary: lang.t_args(
            "fiche-market-summary",
            &[
                ("areas", FluentValue::from(summary.areas_with_data)),
                ("index", FluentValue::from(index.unwrap_or_default())),
                (
                    "offers",
                    FluentValue::from(format_count(lang, summary.offers)),
                ),
                (
                    "seekers",
                    FluentValue::from(format_count(lang, summary.seekers)),
                ),
            ],
        ),
        rows,
    })
}

pub async fn fiche(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(code): Path<String>,
    Query(q): Query<FicheQuery>,
) -> PageResult {
    let catalog = catalog(&state)?;
    let lang = ctx.lang;
    let fiche = catalog
        .fiche(&code.to_uppercase())
        .ok_or(HttpError::NotFound)?
        .clone();
    let radius_text = if q.rayon.trim().is_empty() {
        "30".to_owned()
    } else {
        q.rayon.trim().to_owned()
    };
    let mut fields = vec![
        Field::new(lang, "commune", "fiche-commune", "text", "address-level2").value(&q.commune),
        Field::new(lang, "rayon", "fiche-radius", "number", "off").value(&radius_text),
    ];
    let mut errors = Vec::new();
    let mut market_view = None;
    if !q.commune.trim().is_empty() {
        let mut problems = Vec::new();
        // The commune is searched by name: a public search like the others.
        let commune = match admit_search(&state, &ctx, q.commune.trim()) {
            Ok(()) => catalog.resolve_commune(&q.commune),
            Err(SearchRefused::Throttled(secs)) => return page_throttled(&ctx, secs),
            Err(SearchRefused::Query(_)) => None,
        };
        if commune.is_none() {
            problems.push(FieldError {
                field: "commune",
                code: "unknown",
            });
        }
        let radius = radius_text
            .replace(',', ".")
            .parse::<f64>()
            .ok()
            .filter(|r| (1.0..=200.0).contains(r));
        if radius.is_none() {
            problems.push(FieldError {
                field: "rayon",
                code: "invalid",
            });
        }
        if let (Some(commune), Some(radius)) = (commune, radius) {
            market_view = market(lang, &catalog, &fiche, &commune, radius);
            if market_view.is_none() {
                problems.push(FieldError {
                    field: "commune",
                    code: "unknown",
                });
            }
        }
        errors = attach_errors(lang, &mut fields, &problems);
    }
    let letters: Vec<char> = fiche
        .riasec_major
        .into_iter()
        .chain(fiche.riasec_minor)
        .collect();
    let mut tags = Vec::new();
    if fiche.regulated {
        tags.push(lang.t("tag-regulated"));
    }
    if fiche.cadre {
        tags.push(lang.t("tag-cadre"));
    }
    if let Some(eco) = &fiche.transition_eco {
        tags.push(lang.t_args("tag-eco", &[("label", FluentValue::from(eco.clone()))]));
    }
    if fiche.transition_num {
        tags.push(lang.t("tag-digital"));
    }
    if fiche.transition_demo {
        tags.push(lang.t("tag-demographic"));
    }
    let group = |kind: ItemKind, title: &str| SkillGroup {
        title: lang.t(title),
        items: fiche
            .skills
            .iter()
            .filter_map(|s| {
                let item = catalog.items.get(&s.code).filter(|i| i.kind == kind)?;
                let badge = s.core.map(|c| match c {
                    parcours_catalog::CoreLevel::Principal => lang.t("fiche-core"),
                    parcours_catalog::CoreLevel::Emerging => lang.t("fiche-emerging"),
                });
                Some(SkillLine {
                    label: item.label.clone(),
                    badge,
                })
            })
            .collect(),
    };
    let skill_groups: Vec<SkillGroup> = [
        group(ItemKind::SavoirFaire, "fiche-skills"),
        group(ItemKind::SavoirEtre, "fiche-soft-skills"),
        group(ItemKind::Savoir, "fiche-knowledge"),
    ]
    .into_iter()
    .filter(|g| !g.items.is_empty())
    .collect();
    let page = FichePage {
        p: Page::new(&ctx, fiche.label.clone()),
        domain: catalog
            .domain_label(&fiche.domaine)
            .unwrap_or_default()
            .to_owned(),
        riasec: letters
            .iter()
            .map(|l| lang.t(&format!("riasec-{l}")))
            .collect(),
        riasec_code: letters.iter().collect(),
        tags,
        fields,
        errors,
        market: market_view,
        appellations: fiche
            .appellations
            .iter()
            .filter_map(|i| catalog.appellations.get(*i))
            .filter(|a| a.label != fiche.label)
            .map(|a| a.label.clone())
            .collect(),
        skill_groups,
        contexts: fiche
            .contexts
            .iter()
            .filter_map(|c| catalog.items.get(c))
            .map(|i| i.label.clone())
            .collect(),
        interests: fiche
            .interests
            .iter()
            .filter_map(|(c, principal)| {
                catalog.centre_interet(*c).map(|ci| NavItem {
                    code: c.to_string(),
                    label: ci.label.clone(),
                    current: *principal,
                })
            })
            .collect(),
        mobility: fiche
            .mobility
            .iter()
            .filter_map(|c| catalog.fiche(c))
            .map(|f| NavItem {
                code: f.code.clone(),
                label: f.label.clone(),
                current: false,
            })
            .collect(),
        source: source(lang, &catalog),
        fiche,
    };
    Ok(render(&page)?.into_response())
}

#[derive(Debug, Deserialize, IntoParams)]
pub struct SearchParams {
    /// Words to look for (accents, case and typos do not matter).
    q: String,
    /// At most this many results (default 20, at most 100).
    limit: Option<usize>,
}

#[derive(Serialize, ToSchema)]
pub struct OccupationSummary {
    pub code: String,
    pub label: String,
    /// The appellation that matched, when not the fiche label.
    pub appellation: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct NamedCode {
    pub code: String,
    pub label: String,
}

#[derive(Serialize, ToSchema)]
pub struct OccupationDetail {
    pub code: String,
    pub label: String,
    pub grand_domaine: NamedCode,
    pub domaine: NamedCode,
    pub riasec_major: Option<String>,
    pub riasec_minor: Option<String>,
    pub definition: Vec<String>,
    pub access: Vec<String>,
    pub appellations: Vec<NamedCode>,
    /// Savoir-faire, savoir-être and savoirs, with `core` = principal | emerging.
    pub skills: Vec<SkillRef>,
    pub contexts: Vec<NamedCode>,
    pub centres_interet: Vec<InterestRef>,
    pub mobility: Vec<NamedCode>,
    pub regulated: bool,
    pub cadre: bool,
    pub transition_eco: Option<String>,
    pub transition_num: bool,
    pub transition_demo: bool,
    pub rome_v3_parent: String,
    pub rome_version: String,
}

#[derive(Serialize, ToSchema)]
pub struct SkillRef {
    pub code: String,
    pub label: String,
    /// savoir_faire, savoir_etre or savoir.
    pub kind: String,
    pub core: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct InterestRef {
    pub code: u8,
    pub label: String,
    pub principal: bool,
}

#[derive(Serialize, ToSchema)]
pub struct CommuneSummary {
    pub code: String,
    pub name: String,
    pub population: u32,
    pub employment_area: Option<u32>,
}

/// Occupations matching words (public). Anonymous callers get a limited number of
/// searches a minute per network address.
#[utoipa::path(get, path = "/api/v1/occupations", params(SearchParams), responses(
    (status = 200, description = "Best matches first", body = [OccupationSummary]),
    (status = 422, description = "`q` longer than 200 characters (400 bytes) or of more than 16 words", body = Problem, content_type = "application/problem+json"),
    (status = 429, description = "Too many anonymous searches from this address; see Retry-After", body = Problem, content_type = "application/problem+json"),
    (status = 503, description = "Reference data not loaded")
))]
pub async fn api_occupations(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(params): Query<SearchParams>,
) -> Result<Response, HttpError> {
    let catalog = catalog(&state)?;
    if let Err(refused) = admit_search(&state, &ctx, &params.q) {
        return Ok(api_refusal("q", refused));
    }
    let limit = params.limit.unwrap_or(20).min(100);
    Ok(Json(
        catalog
            .search_occupations(&params.q, limit)
            .into_iter()
            .map(|h| OccupationSummary {
                code: h.code,
                label: h.label,
                appellation: h.appellation,
            })
            .collect::<Vec<_>>(),
    )
    .into_response())
}

/// One ROME fiche (public).
#[utoipa::path(get, path = "/api/v1/occupations/{code}",
    params(("code" = String, Path, description = "ROME code, e.g. M1805")),
    responses(
        (status = 200, description = "The fiche", body = OccupationDetail),
        (status = 404, description = "No such ROME code"),
        (status = 503, description = "Reference data not loaded")
))]
pub async fn api_occupation(
    State(state): State<AppState>,
    Path(code): Path<String>,
) -> Result<Json<OccupationDetail>, HttpError> {
    let catalog = catalog(&state)?;
    let f = catalog
        .fiche(&code.to_uppercase())
        .ok_or(HttpError::NotFound)?;
    let named = |code: &str| NamedCode {
        code: code.to_owned(),
        label: catalog.domain_label(code).unwrap_or_default().to_owned(),
    };
    Ok(Json(OccupationDetail {
        code: f.code.clone(),
        label: f.label.clone(),
        grand_domaine: named(&f.grand_domaine),
        domaine: named(&f.domaine),
        riasec_major: f.riasec_major.map(String::from),
        riasec_minor: f.riasec_minor.map(String::from),
        definition: f.definition.clone(),
        access: f.access.clone(),
        appellations: f
            .appellations
            .iter()
            .filter_map(|i| catalog.appellations.get(*i))
            .map(|a| NamedCode {
                code: a.code.to_string(),
                label: a.label.clone(),
            })
            .collect(),
        skills: f
            .skills
            .iter()
            .filter_map(|s| {
                let item = catalog.items.get(&s.code)?;
                let kind = match item.kind {
                    ItemKind::SavoirFaire => "savoir_faire",
                    ItemKind::SavoirEtre => "savoir_etre",
                    ItemKind::Savoir => "savoir",
                    ItemKind::Context => return None,
                };
                Some(SkillRef {
                    code: s.code.to_string(),
                    label: item.label.clone(),
                    kind: kind.to_owned(),
                    core: s.core.map(|c| match c {
                        parcours_catalog::CoreLevel::Principal => "principal".to_owned(),
                        parcours_catalog::CoreLevel::Emerging => "emerging".to_owned(),
                    }),
                })
            })
            .collect(),
        contexts: f
            .contexts
            .iter()
            .filter_map(|c| catalog.items.get(c))
            .map(|i| NamedCode {
                code: i.code.to_string(),
                label: i.label.clone(),
            })
            .collect(),
        centres_interet: f
            .interests
            .iter()
            .filter_map(|(c, p)| {
                catalog.centre_interet(*c).map(|ci| InterestRef {
                    code: *c,
                    label: ci.label.clone(),
                    principal: *p,
                })
            })
            .collect(),
        mobility: f
            .mobility
            .iter()
            .filter_map(|c| catalog.fiche(c))
            .map(|t| NamedCode {
                code: t.code.clone(),
                label: t.label.clone(),
            })
            .collect(),
        regulated: f.regulated,
        cadre: f.cadre,
        transition_eco: f.transition_eco.clone(),
        transition_num: f.transition_num,
        transition_demo: f.transition_demo,
        rome_v3_parent: f.parent_v3.clone(),
        rome_version: catalog.version.number.clone(),
    }))
}

/// Communes by name or INSEE code (public), the most populated first. Anonymous
/// callers get a limited number of searches a minute per network address.
#[utoipa::path(get, path = "/api/v1/communes", params(SearchParams), responses(
    (status = 200, description = "Matching communes", body = [CommuneSummary]),
    (status = 422, description = "`q` longer than 200 characters (400 bytes) or of more than 16 words", body = Problem, content_type = "application/problem+json"),
    (status = 429, description = "Too many anonymous searches from this address; see Retry-After", body = Problem, content_type = "application/problem+json"),
    (status = 503, description = "Reference data not loaded")
))]
pub async fn api_communes(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(params): Query<SearchParams>,
) -> Result<Response, HttpError> {
    let catalog = catalog(&state)?;
    if let Err(refused) = admit_search(&state, &ctx, &params.q) {
        return Ok(api_refusal("q", refused));
    }
    let limit = params.limit.unwrap_or(20).min(100);
    Ok(Json(
        catalog
            .search_communes(&params.q, limit)
            .into_iter()
            .map(|c| CommuneSummary {
                code: c.code,
                name: c.name,
                population: c.population,
                employment_area: c.area,
            })
            .collect::<Vec<_>>(),
    )
    .into_response())
}

/// The routes of this feature (see [`crate::routes::Routes`]).
pub(crate) fn router() -> Routes {
    Routes::new()
        .route("/metiers", get(occupations))
        .route("/metiers/{code}", get(fiche))
        .api(routes!(api_occupations))
        .api(routes!(api_occupation))
        .api(routes!(api_communes))
}

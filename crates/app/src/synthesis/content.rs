//! What the synthesis says, gathered from the person's file in the reader's language.

use super::*;

impl App {
    /// Everything the document says, worded in `lang` by `words`.
    pub(super) async fn synthesis_content(
        &self,
        scope: TenantScope,
        person: &Person,
        lang: &str,
        words: Words<'_>,
        now: i64,
    ) -> Result<Synthesis, AppError> {
        let db = self.db();
        let when = |ms: i64| {
            if lang == "en" {
                when_en(ms)
            } else {
                when_fr(ms)
            }
        };
        let day = |ms: i64| if lang == "en" { day_en(ms) } else { day_fr(ms) };
        let operator = accounts::find_organisation(db, scope.id())
            .await?
            .map(|o| o.name)
            .unwrap_or_default();
        let enrolment = people::current_enrolment(db, scope, person.id).await?;
        let mut programme = String::new();
        let mut circumstances = Vec::new();
        if let Some(e) = &enrolment {
            programme = programmes::unscoped::find(db, e.programme_id)
                .await?
                .map(|p| p.name)
                .unwrap_or_default();
            circumstances.push(format!(
                "{} : {}",
                words("synthesis-started"),
                day(e.entered_at)
            ));
            circumstances.push(format!(
                "{} : {}",
                words("synthesis-phase"),
                words(&format!("phase-{}", e.phase.code()))
            ));
            if let Some(coach) = e.coach_id
                && let Some(u) = accounts::find_user(db, coach).await?
            {
                circumstances.push(format!("{} : {}", words("synthesis-coach"), u.display_name));
            }
        }
        let sessions = appointments::appointments_of_person(db, scope, person.id).await?;
        let held = sessions
            .iter()
            .filter(|a| a.status == AppointmentStatus::Held)
            .count();

        // Results of the completed activities, and the experiences.
        let catalog = self.catalog();
        let activities = journey::activities_of_person(db, scope, person.id).await?;
        let ids: Vec<Uuid> = activities.iter().map(|a| a.id).collect();
        let mut answers = journey::answers_of_activities(db, scope, &ids).await?;
        let mut results = Vec::new();
        let (mut jobs, mut life, mut skills) = (Vec::new(), Vec::new(), Vec::new());
        let mut activity_minutes = 0u32;
        for activity in &activities {
            let Some(instrument) =
                self.instrument(&activity.instrument_id, activity.instrument_version)
            else {
                continue;
            };
            let raw = answers.remove(&activity.id).unwrap_or_default();
            if activity.completed_at.is_none() {
                continue;
            }
            activity_minutes += instrument.minutes;
            let title = instrument.title.get(lang).to_owned();
            let summary = match outcome(&instrument, &raw, catalog.as_deref()) {
                Outcome::Likert(result) if instrument.kind == Kind::Likert => {
                    let mut scored: Vec<(f64, String)> = result
                        .scales
                        .iter()
                        .filter_map(|s| {
                            let label = instrument.scale(&s.scale)?.label.get(lang).to_owned();
                            Some((s.score?, label))
                        })
                        .collect();
                    scored.sort_by(|a, b| b.0.total_cmp(&a.0));
                    let top: Vec<String> = scored
                        .iter()
                        .take(3)
                        .map(|(score, label)| format!("{label} ({score:.0}/100)"))
                        .collect();
                    if instrument.reference_items.is_some() || top.is_empty() {
                        None
                    } else {
                        Some(top.join(", "))
                    }
                }
                Outcome::Ranking { ranked } => Some(
                    ranked
                        .iter()
                        .take(3)
                        .map(|c| c.label.get(lang).to_owned())
                        .collect::<Vec<_>>()
                        .join(", "),
                ),
                Outcome::Experiences(e) => {
                    jobs = e
                        .jobs
                        .iter()
                        .map(|j| format!("{} ({})", j.label, j.code_rome))
                        .collect();
                    life = e.life.iter().map(|t| t.get(lang).to_owned()).collect();
                    skills = e.confirmed().map(|s| s.label.clone()).collect();
                    None
                }
                // Constraints may hold health facts: they stay out of the document.
                Outcome::Form { .. } | Outcome::Likert(_) => None,
            };
            if let Some(summary) = summary.filter(|s| !s.is_empty()) {
                // An end taking replaces the start one of the same instrument.
                results.retain(|r: &ResultLine| r.title != title);
                results.push(ResultLine { title, summary });
            }
        }
        let minutes = (held_minutes(&sessions) + activity_minutes).min(BILAN_CAP_MINUTES);
        circumstances.push(format!(
            "{} : {} ({} {}, {} {})",
            words("synthesis-hours"),
            hours(minutes, lang),
            held,
            words("synthesis-sessions-held"),
            activities
                .iter()
                .filter(|a| a.completed_at.is_some())
                .count(),
            words("synthesis-activities-done"),
        ));

        let project = match projects::current_project(db, scope, person.id).await? {
            Some(p) => {
                let evidence = projects::evidence_of(db, scope, p.id)
                    .await?
                    .into_iter()
                    .map(|r| {
                        let label = words(&format!(
                            "project-evidence-{}",
                            r.item.code().replace('_', "-")
                        ));
                        if r.note.is_empty() {
                            label
                        } else {
                            format!("{label} : {}", r.note)
                        }
                    })
                    .collect();
                Some(ProjectPart {
                    label: p.title.clone(),
                    code: p
                        .code_rome
                        .clone()
                        .unwrap_or_else(|| words("project-kind-business")),
                    status: words(&format!("project-status-{}", p.status.code())),
                    evidence,
                })
            }
            None => None,
        };
        let steps = plan::plan_of_person(db, scope, person.id)
            .await?
            .into_iter()
            .map(|o| StepGroup {
                title: o.title,
                actions: o
                    .actions
                    .iter()
                    .map(|a| {
                        format!(
                            "{} — {} ({}, {})",
                            a.title,
                            words(&format!("plan-status-{}", a.status.code())),
                            words(if a.owner.code() == "coach" {
                                "plan-owner-coach"
                            } else {
                                "plan-owner-person"
                            }),
                            a.due_on
                        )
                    })
                    .collect(),
            })
            .collect();
        let mut follow_up: Vec<String> = sessions
            .iter()
            .filter(|a| a.status == AppointmentStatus::Booked && a.slot.starts_at > now)
            .map(|a| {
                format!(
                    "{} : {}",
                    words("synthesis-next-session"),
                    when(a.slot.starts_at)
                )
            })
            .collect();
        follow_up.push(words("synthesis-follow-up-six-months"));

        let label = |k: &str| words(&format!("synthesis-label-{k}"));
        Ok(Synthesis {
            lang: if lang == "en" {
                "en".into()
            } else {
                "fr".into()
            },
            title: words("synthesis-title"),
            person_name: format!("{} {}", person.first_name, person.last_name),
            operator,
            programme,
            issued_on: day(now),
            circumstances,
            jobs,
            life,
            skills,
            results,
            project,
            steps,
            follow_up,
            labels: SynthesisLabels {
                operator: label("operator"),
                programme: label("programme"),
                issued: label("issued"),
                circumstances: label("circumstances"),
                skills: label("skills"),
                jobs: label("jobs"),
                life: label("life"),
                confirmed_skills: label("confirmed-skills"),
                results: label("results"),
                result_what: label("result-what"),
                result_found: label("result-found"),
                project: label("project"),
                no_project: label("no-project"),
                project_status: label("project-status"),
                steps: label("steps"),
                follow_up: label("follow-up"),
                none: label("none"),
                ownership: label("ownership"),
            },
        })
    }
}

//! Seeding the demo world: operator, referrers, employers, funders, their people and
//! the history of a cohort spread over the journey, in one transaction.

use super::*;

impl App {
    /// True when the database holds no organisation yet (a new install).
    pub async fn is_empty(&self) -> Result<bool, AppError> {
        Ok(accounts::count_organisations(self.db()).await? == 0)
    }

    /// True when the demo accounts exist (a demo database started again).
    pub async fn has_demo(&self) -> Result<bool, AppError> {
        Ok(
            accounts::find_user_by_email(self.db(), &email(DEMO_ACCOUNTS[0].email)?)
                .await?
                .is_some(),
        )
    }

    /// Seeds the demo world in one transaction.
    pub async fn seed_demo(&self) -> Result<DemoWorld, AppError> {
        let hash = self.hash_password(DEMO_PASSWORD).await?;
        let now = self.now();
        let day = 24 * 3600 * 1000;
        let txn = self.bookkeeping(Bookkeeping::Seed).await?;

        let operator =
            accounts::insert_organisation(&txn, OrgKind::Operator, "Cap Avenir Normandie", now)
                .await?;
        let region =
            accounts::insert_organisation(&txn, OrgKind::Funder, "Région Normandie", now).await?;
        let france_travail = accounts::insert_organisation(
            &txn,
            OrgKind::Referrer,
            "France Travail – agence de Rouen",
            now,
        )
        .await?;
        let mission_locale = accounts::insert_organisation(
            &txn,
            OrgKind::Referrer,
            "Mission locale de l'agglomération rouennaise",
            now,
        )
        .await?;
        let employer =
            accounts::insert_organisation(&txn, OrgKind::Employer, "Boulangeries du Vexin", now)
                .await?;
        let other =
            accounts::insert_organisation(&txn, OrgKind::Operator, "Horizon Emploi Bretagne", now)
                .await?;
        let scope = TenantScope::of(operator);
        let other_scope = TenantScope::of(other);

        let org_id = |org: DemoOrg| match org {
            DemoOrg::Operator => operator,
            DemoOrg::Region => region,
            DemoOrg::FranceTravail => france_travail,
            DemoOrg::MissionLocale => mission_locale,
            DemoOrg::Employer => employer,
            DemoOrg::OtherOperator => other,
        };
        let mut user_ids = Vec::with_capacity(DEMO_ACCOUNTS.len());
        for account in &DEMO_ACCOUNTS {
            let user =
                accounts::insert_user(&txn, &email(account.email)?, account.name, &hash, now)
                    .await?;
            accounts::insert_membership(&txn, user, org_id(account.org), account.role, now).await?;
            user_ids.push(user);
        }
        let user_of = |email: &str| {
            DEMO_ACCOUNTS
                .iter()
                .position(|a| a.email == email)
                .and_then(|i| user_ids.get(i).copied())
        };
        let (Some(coach_a), Some(coach_b), Some(beneficiary_user), Some(other_coach)) = (
            user_of("coach@demo.parcours.test"),
            user_of("coach2@demo.parcours.test"),
            user_of("beneficiaire@demo.parcours.test"),
            user_of("coach@horizon.parcours.test"),
        ) else {
            return Err(AppError::Internal(
                "demo accounts table is missing a coach or the beneficiary".into(),
            ));
        };

        let programme = programmes::insert(
            &txn,
            scope,
            Some(region),
            "Parcours Normandie 2026",
            "normandie-2026",
            now,
        )
        .await?;
        programmes::add_referrer(&txn, scope, programme, france_travail).await?;
        programmes::add_referrer(&txn, scope, programme, mission_locale).await?;
        // Last year's programme, over: its participants' history gives the results
        // pages and exports something to show (generated, not real people).
        let previous = programmes::insert(
            &txn,
            scope,
            Some(region),
            "Parcours Normandie 2024",
            "normandie-2024",
            now,
        )
        .await?;
        programmes::add_referrer(&txn, scope, previous, france_travail).await?;
        programmes::add_referrer(&txn, scope, previous, mission_locale).await?;
        // The employer works with the operator and offers a first immersion.
        parcours_db::repo::opportunities::add_partner(&txn, scope, employer, now).await?;
        if let Some(employer_user) = user_of("employer@demo.parcours.test") {
            let offer = parcours_domain::opportunity::OpportunityInput {
                kind: "immersion".into(),
                title: "Deux semaines au fournil".into(),
                code_rome: "D1102".into(),
                description:
                    "Découvrir la fabrication du pain aux côtés de nos boulangers, de 6 h à 13 h."
                        .into(),
                commune_code: "76540".into(),
                capacity: "2".into(),
                respond_within_days: "7".into(),
                starts_on: crate::utc_day(now + 21 * 24 * 3600 * 1000),
                ends_on: crate::utc_day(now + 34 * 24 * 3600 * 1000),
            }
            .check()
            .map_err(|p| AppError::Internal(format!("demo offer: {p:?}")))?;
            parcours_db::repo::opportunities::insert(
                &txn,
                scope,
                employer,
                employer_user,
                &offer,
                now,
            )
            .await?;
        }

        let mut beneficiary_person_id = Uuid::nil();
        let mut cohort = Vec::new();
        for i in 0..DEMO_BENEFICIARIES {
            let first = FIRST_NAMES[i % FIRST_NAMES.len()];
            let last = LAST_NAMES[(i * 7) % LAST_NAMES.len()];
            let is_login = i == 40;
            let (first, last) = if is_login {
                ("Camille", "Martin")
            } else {
                (first, last)
            };
            let phone = format!("06 00 00 {:02} {:02}", i / 100, i % 100);
            let person = people::insert_person(
                &txn,
                scope,
                people::NewPerson {
                    user_id: is_login.then_some(beneficiary_user),
                    first_name: first,
                    last_name: last,
                    email: None,
                    phone: Some(&phone),
                    commune_code: Some(COMMUNES[i % COMMUNES.len()]),
                    birth_year: Some(1975 + i32::try_from(i % 30).unwrap_or(0)),
                },
                now,
            )
            .await?;
            if is_login {
                beneficiary_person_id = person;
            }
            let entered_days_ago = i64::try_from(i % 90).unwrap_or(0);
            let coach_id = if i % 2 == 0 { coach_a } else { coach_b };
            let enrolment = people::insert_enrolment(
                &txn,
                scope,
                people::NewEnrolment {
                    cohort_id: None,
                    person_id: person,
                    programme_id: programme,
                    coach_id: Some(coach_id),
                    referrer_id: Some(if i % 3 == 0 {
                        mission_locale
                    } else {
                        france_travail
                    }),
                    phase: demo_phase(i),
                    entered_at: now - entered_days_ago * day,
                    last_activity_at: now - i64::try_from(i % 17).unwrap_or(0) * day,
                    departement: Some(
                        parcours_domain::referral::departement_of(COMMUNES[i % COMMUNES.len()])
                            .to_owned(),
                    ),
                    // Some declared publics, so the reports' breakdown has rows.
                    publics_mask: [0b1, 0b100, 0b10000, 0b101, 0][i % 5],
                },
            )
            .await?;
            // The demo login starts its bilan itself (consent first).
            if !is_login {
                cohort.push(DemoMember {
                    person_id: person,
                    enrolment_id: enrolment,
                    coach_id,
                    phase: demo_phase(i),
                    entered_days_ago,
                });
            }
        }

        // The employer also sponsors one person of the cohort, met once already.
        if let (Some(employer_user), Some(mentee)) =
            (user_of("employer@demo.parcours.test"), cohort.get(2))
        {
            let offer = parcours_domain::opportunity::OpportunityInput {
                kind: "sponsorship".into(),
                title: "Parrainage par un chef de rayon".into(),
                code_rome: String::new(),
                description:
                    "Un rendez-vous par mois pour préparer vos candidatures et vos entretiens."
                        .into(),
                commune_code: "76540".into(),
                capacity: "3".into(),
                respond_within_days: "10".into(),
                starts_on: String::new(),
                ends_on: String::new(),
            }
            .check()
            .map_err(|p| AppError::Internal(format!("demo sponsorship: {p:?}")))?;
            let opportunity = parcours_db::repo::opportunities::insert(
                &txn,
                scope,
                employer,
                employer_user,
                &offer,
                now,
            )
            .await?;
            let request = parcours_db::repo::opportunities::insert_request(
                &txn,
                scope,
                parcours_db::repo::opportunities::NewRequest {
                    opportunity_id: opportunity,
                    person_id: mentee.person_id,
                    requested_by: mentee.coach_id,
                    message: None,
                    token_hash: &crate::digest(&crate::random_token()),
                    respond_by: now + 10 * day,
                },
                now - 20 * day,
            )
            .await?;
            parcours_db::repo::opportunities::answer_request(
                &txn,
                scope,
                request,
                parcours_domain::opportunity::RequestStatus::Accepted,
                now - 18 * day,
            )
            .await?;
            parcours_db::repo::sponsors::insert(
                &txn,
                scope,
                request,
                &crate::utc_day(now - 7 * day),
                Some("Premier café : CV relu ensemble, deux offres repérées."),
                employer_user,
                now - 7 * day,
            )
            .await?;
        }

        // A second operator, so that a demo coach can see that its files stay closed.
        let other_programme = programmes::insert(
            &txn,
            other_scope,
            None,
            "Cap Emploi Bretagne",
            "cap-bretagne",
            now,
        )
        .await?;
        let mut other_tenant_person_id = Uuid::nil();
        for (i, (first, last)) in [
            ("Gwen", "Le Bihan"),
            ("Erwan", "Kerjean"),
            ("Maëlle", "Tanguy"),
        ]
        .iter()
        .enumerate()
        {
            let person = people::insert_person(
                &txn,
                other_scope,
                people::NewPerson {
                    user_id: None,
                    first_name: first,
                    last_name: last,
                    email: None,
                    phone: None,
                    commune_code: Some("35238"),
                    birth_year: Some(1990 + i32::try_from(i).unwrap_or(0)),
                },
                now,
            )
            .await?;
            other_tenant_person_id = person;
            people::insert_enrolment(
                &txn,
                other_scope,
                people::NewEnrolment {
                    cohort_id: None,
                    person_id: person,
                    programme_id: other_programme,
                    coach_id: Some(other_coach),
                    referrer_id: None,
                    phase: Phase::Investigation,
                    entered_at: now,
                    last_activity_at: now,
                    departement: Some("35".to_owned()),
                    publics_mask: 0,
                },
            )
            .await?;
        }
        // The demo coach's agenda: a morning of free slots on each of the next weekdays,
        // so that an invitation has something to offer.
        let mut date = crate::appointments::paris_today(now);
        let mut mornings = 0;
        while mornings < 3 {
            date = date.next_day().unwrap_or(date);
            if matches!(
                date.weekday(),
                time::Weekday::Saturday | time::Weekday::Sunday
            ) {
                continue;
            }
            mornings += 1;
            for hour in [9, 10, 11] {
                let at = time::PrimitiveDateTime::new(
                    date,
                    time::Time::from_hms(hour, 0, 0).unwrap_or(time::Time::MIDNIGHT),
                );
                parcours_db::repo::appointments::insert_slot(
                    &txn,
                    scope,
                    coach_a,
                    &parcours_db::repo::appointments::NewSlot {
                        starts_at: parcours_domain::appointment::from_paris_local(at),
                        minutes: 60,
                        mode: if hour == 11 {
                            parcours_domain::appointment::SessionMode::Video
                        } else {
                            parcours_domain::appointment::SessionMode::OnSite
                        },
                        place: if hour == 11 {
                            "https://visio.example.org/cap-avenir"
                        } else {
                            "Cap Avenir, 12 rue Saint-Jean, Caen"
                        },
                    },
                    now,
                )
                .await?;
            }
        }
        txn.commit().await?;
        let history = crate::outcomes::SeedPlan {
            scope,
            programme_id: previous,
            first_entry: time::Date::from_calendar_date(2024, time::Month::January, 8)
                .map_err(|e| AppError::Internal(e.to_string()))?,
            entry_span_days: 270,
            referrers: vec![france_travail, mission_locale],
            over: true,
        };
        self.generate_participants(&history, DEMO_HISTORY).await?;
        Ok(DemoWorld {
            logins: demo_logins(),
            operator_id: operator,
            other_operator_id: other,
            other_tenant_person_id,
            beneficiary_person_id,
            programme_id: programme,
            cohort,
        })
    }
}

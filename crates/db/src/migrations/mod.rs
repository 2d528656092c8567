//! Schema migrations, applied in order by `parcours migrate` and at `serve` start.
//! Identifiers are our own (`m0001_…`) so that the table history reads in order.

use sea_orm_migration::prelude::*;

mod m0001_foundation;
mod m0002_catalog_versions;
mod m0003_bilan;
mod m0004_journal;
mod m0005_pistes;
mod m0006_projects;
mod m0007_action_plan;
mod m0008_sessions_jobs_documents;
mod m0009_coach_workspace;
mod m0010_referrals;
mod m0011_opportunities;
mod m0012_placements;
mod m0013_selection;
mod m0014_programme_rules;
mod m0015_followers;
mod m0016_outcomes;
mod m0017_surveys;
mod m0018_scale;
mod m0019_privacy;
mod m0020_cohort_sample;
mod m0021_race_guards;
mod m0022_link_purposes;
mod m0023_mail_delivery;
mod m0024_operator_settings;
mod m0025_staff;
mod m0026_programmes_admin;
mod m0029_partner_contexts;
mod m0031_sms;
mod m0032_drop_reasons;

pub struct Migrator;

#[async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(m0001_foundation::Migration),
            Box::new(m0002_catalog_versions::Migration),
            Box::new(m0003_bilan::Migration),
            Box::new(m0004_journal::Migration),
            Box::new(m0005_pistes::Migration),
            Box::new(m0006_projects::Migration),
            Box::new(m0007_action_plan::Migration),
            Box::new(m0008_sessions_jobs_documents::Migration),
            Box::new(m0009_coach_workspace::Migration),
            Box::new(m0010_referrals::Migration),
            Box::new(m0011_opportunities::Migration),
            Box::new(m0012_placements::Migration),
            Box::new(m0013_selection::Migration),
            Box::new(m0014_programme_rules::Migration),
            Box::new(m0015_followers::Migration),
            Box::new(m0016_outcomes::Migration),
            Box::new(m0017_surveys::Migration),
            Box::new(m0018_scale::Migration),
            Box::new(m0019_privacy::Migration),
            Box::new(m0020_cohort_sample::Migration),
            Box::new(m0021_race_guards::Migration),
            Box::new(m0022_link_purposes::Migration),
            Box::new(m0023_mail_delivery::Migration),
            Box::new(m0024_operator_settings::Migration),
            Box::new(m0025_staff::Migration),
            Box::new(m0026_programmes_admin::Migration),
            Box::new(m0029_partner_contexts::Migration),
            Box::new(m0031_sms::Migration),
            Box::new(m0032_drop_reasons::Migration),
        ]
    }
}

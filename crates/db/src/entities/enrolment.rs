use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Serialize)]
#[sea_orm(table_name = "enrolments")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub tenant_id: Uuid,
    pub person_id: Uuid,
    pub programme_id: Uuid,
    pub coach_id: Option<Uuid>,
    pub referrer_id: Option<Uuid>,
    pub phase: String,
    pub status: String,
    pub entered_at: i64,
    pub last_activity_at: i64,
    pub bilan_ended_at: Option<i64>,
    pub cohort_id: Option<Uuid>,
    pub ended_on: Option<String>,
    pub drop_reason: Option<String>,
    pub drop_reason_code: Option<String>,
    pub external_id: Option<String>,
    pub publics_mask: i64,
    pub departement: Option<String>,
    pub entry_quarter: Option<String>,
    pub exit_situation: Option<String>,
    pub exit_contract_type: Option<String>,
    pub exit_contract_months: Option<i32>,
    pub exit_qualifying: Option<bool>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

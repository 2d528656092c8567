use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Serialize)]
#[sea_orm(table_name = "outcomes")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub tenant_id: Uuid,
    pub enrolment_id: Uuid,
    pub person_id: Uuid,
    pub point: String,
    pub status: String,
    pub situation: Option<String>,
    pub contract_type: Option<String>,
    pub starts_on: Option<String>,
    pub planned_end: Option<String>,
    pub contract_months: Option<i32>,
    pub weekly_hours: Option<i32>,
    pub training_name: Option<String>,
    pub qualifying: Option<bool>,
    pub drop_reason: Option<String>,
    pub drop_reason_code: Option<String>,
    pub source: String,
    pub recorded_by: Option<Uuid>,
    pub recorded_at: i64,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

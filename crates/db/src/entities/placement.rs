use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Serialize)]
#[sea_orm(table_name = "placements")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub tenant_id: Uuid,
    pub person_id: Uuid,
    pub kind: String,
    pub contract_type: Option<String>,
    pub starts_on: String,
    pub planned_end: Option<String>,
    pub weekly_hours: Option<i32>,
    pub employer_name: Option<String>,
    pub training_name: Option<String>,
    pub qualifying: Option<bool>,
    pub business_activity: Option<String>,
    pub request_id: Option<Uuid>,
    pub recorded_by: Uuid,
    pub recorded_at: i64,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

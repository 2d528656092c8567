use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Serialize)]
#[sea_orm(table_name = "activities")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub tenant_id: Uuid,
    pub person_id: Uuid,
    pub enrolment_id: Uuid,
    pub instrument_id: String,
    pub instrument_version: i32,
    pub occasion: String,
    pub phase: String,
    pub due_at: i64,
    pub started_at: Option<i64>,
    pub completed_at: Option<i64>,
    pub quality_flags: Option<String>,
    pub created_at: i64,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Serialize)]
#[sea_orm(table_name = "surveys")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub tenant_id: Uuid,
    pub programme_id: Uuid,
    pub enrolment_id: Uuid,
    pub person_id: Uuid,
    pub point: String,
    #[serde(skip)]
    pub token_hash: Option<String>,
    pub due_at: i64,
    pub sent_at: Option<i64>,
    pub reminded_at: Option<i64>,
    pub answered_at: Option<i64>,
    pub created_at: i64,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Serialize)]
#[sea_orm(table_name = "opportunity_requests")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub tenant_id: Uuid,
    pub opportunity_id: Uuid,
    pub person_id: Uuid,
    pub requested_by: Uuid,
    pub message: Option<String>,
    pub status: String,
    #[serde(skip)]
    pub token_hash: String,
    pub respond_by: i64,
    pub responded_at: Option<i64>,
    pub reminded_at: Option<i64>,
    pub created_at: i64,
    /// The person, for the unique (opportunity, person) of standing requests.
    pub person_key: Option<Uuid>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

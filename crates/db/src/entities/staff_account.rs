use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Serialize)]
#[sea_orm(table_name = "staff_accounts")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    /// The membership's id (one row per membership).
    pub id: Uuid,
    pub tenant_id: Uuid,
    pub invited_by: Option<Uuid>,
    pub invited_at: Option<i64>,
    pub last_sign_in_at: Option<i64>,
    pub deactivated_at: Option<i64>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

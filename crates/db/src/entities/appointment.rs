use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Serialize)]
#[sea_orm(table_name = "appointments")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub tenant_id: Uuid,
    pub slot_id: Uuid,
    pub slot_hold: Option<Uuid>,
    pub person_id: Uuid,
    pub booked_via: String,
    pub booked_at: i64,
    pub status: String,
    pub status_by: Option<Uuid>,
    pub status_by_role: Option<String>,
    pub status_at: Option<i64>,
    pub notes: Option<String>,
    pub notes_by: Option<Uuid>,
    pub notes_at: Option<i64>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

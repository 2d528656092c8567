use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Serialize)]
#[sea_orm(table_name = "opportunities")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub tenant_id: Uuid,
    pub employer_org_id: Uuid,
    pub created_by: Uuid,
    pub kind: String,
    pub title: String,
    pub code_rome: Option<String>,
    pub description: String,
    pub commune_code: Option<String>,
    pub capacity: i32,
    pub respond_within_days: i32,
    pub starts_on: Option<String>,
    pub ends_on: Option<String>,
    pub paused: bool,
    pub created_at: i64,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

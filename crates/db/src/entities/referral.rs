use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Serialize)]
#[sea_orm(table_name = "referrals")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub tenant_id: Uuid,
    pub programme_id: Uuid,
    pub referrer_org_id: Uuid,
    pub submitted_by: Uuid,
    pub import_id: Option<Uuid>,
    pub first_name: String,
    pub last_name: String,
    pub birth_date: String,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub commune_code: Option<String>,
    pub publics: String,
    pub motivation: Option<String>,
    #[serde(skip)]
    pub identity_keys: String,
    pub status: String,
    pub refusal_reason: Option<String>,
    pub cohort_id: Option<Uuid>,
    pub person_id: Option<Uuid>,
    pub decided_by: Option<Uuid>,
    pub decided_at: Option<i64>,
    pub created_at: i64,
    pub expires_at: i64,
    pub evidence_checked_at: Option<i64>,
    pub evidence_checked_by: Option<Uuid>,
    pub advisor_email: Option<String>,
    /// The identity key with the email while it is the standing one (unique per
    /// programme among standing referrals).
    #[serde(skip)]
    pub email_key: Option<String>,
    /// The identity key with the phone, likewise.
    #[serde(skip)]
    pub phone_key: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

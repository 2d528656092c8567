//! Builders: data made through the use cases, as a user would make it, for tests that
//! need it as their starting point rather than as the thing under test (a raw insert
//! would skip the rules and the audit row the use case writes).

use parcours_app::appointments::SlotInput;
use parcours_app::auth::Actor;
use parcours_app::demo::DEMO_PASSWORD;
use parcours_db::TenantScope;
use parcours_db::repo::installation::accounts;
use parcours_db::repo::people;
use uuid::Uuid;

use crate::TestApp;

impl TestApp {
    /// The actor of a demo account, signed in through the use case (not the web form).
    pub async fn actor(&self, email: &str) -> anyhow::Result<Actor> {
        let session = self
            .app
            .login(email, DEMO_PASSWORD, "127.0.0.1")
            .await
            .map_err(|e| anyhow::anyhow!("sign in as {email}: {e}"))?;
        self.app
            .session_actor(&session.token)
            .await?
            .ok_or_else(|| anyhow::anyhow!("no session for {email}"))
    }

    /// The coach who follows `person` in the demo operator: their user id and address.
    pub async fn coach_of(&self, person: Uuid) -> anyhow::Result<(Uuid, String)> {
        let scope = TenantScope::of(self.world.operator_id);
        let coach = people::current_enrolment(self.app.db(), scope, person)
            .await?
            .and_then(|e| e.coach_id)
            .ok_or_else(|| anyhow::anyhow!("no coach for {person}"))?;
        let user = accounts::find_user(self.app.db(), coach)
            .await?
            .ok_or_else(|| anyhow::anyhow!("no coach user"))?;
        Ok((coach, user.email))
    }

    /// `count` consecutive 45-minute phone slots (at most a series, 12) that `coach`
    /// publishes, starting `days_ahead` days from the app's today at `at` (HH:MM): their
    /// ids, in time order.
    pub async fn publish_slots(
        &self,
        coach: &Actor,
        days_ahead: i64,
        at: &str,
        count: usize,
    ) -> anyhow::Result<Vec<Uuid>> {
        let known: std::collections::BTreeSet<Uuid> = self
            .app
            .agenda(coach)
            .await?
            .iter()
            .map(|s| s.slot.id)
            .collect();
        let day = time::OffsetDateTime::from_unix_timestamp(self.app.now() / 1000)?.date()
            + time::Duration::days(days_ahead);
        let published = self
            .app
            .publish_slots(
                coach,
                &SlotInput {
                    date: day.to_string(),
                    time: at.to_owned(),
                    minutes: "45".into(),
                    mode: "phone".into(),
                    place: String::new(),
                    count: count.to_string(),
                },
            )
            .await?;
        anyhow::ensure!(published == count, "{published} slots of {count} published");
        let mut new: Vec<_> = self
            .app
            .agenda(coach)
            .await?
            .into_iter()
            .map(|s| s.slot)
            .filter(|s| !known.contains(&s.id))
            .collect();
        new.sort_by_key(|s| s.starts_at);
        Ok(new.into_iter().map(|s| s.id).collect())
    }
}

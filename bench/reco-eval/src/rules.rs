//! The judge's own reading of a profile's limits against the reference data. Written
//! from the ROME context list (`unix_referentiel_contexte_travail`), not from the
//! engine's tables, so that the two can disagree. See README.md for the rules.

use serde_json::{Map, Value};

/// The profile v2 keys, exactly as issue 26 names them.
pub const V2_KEYS: [&str; 7] = [
    "intent",
    "qualification",
    "hours",
    "schedule_limits",
    "health_limits",
    "driving_licence",
    "travel",
];

/// Every ROME 4.0 context that shows a limit is at stake in (some posts of) a fiche.
pub fn limit_contexts(limit: &str) -> &'static [&'static str] {
    match limit {
        // Travail de nuit.
        "nights" => &["300803"],
        // Samedi; week-ends et jours fériés; dimanche.
        "weekends" => &["23374", "23376", "300793"],
        // Posté (2x8, 3x8…); horaires décalés; roulement; horaires fractionnés.
        "shifts" => &["126450", "300805", "300808", "400005"],
        // Charges lourdes ou encombrantes.
        "heavy_loads" => &["300795"],
        // Station debout prolongée.
        "standing" => &["300800"],
        // Position pénible.
        "bending_kneeling" => &["300798"],
        // En grande hauteur.
        "heights" => &["300782"],
        // En extérieur; environnement climatique difficile.
        "outdoors" => &["300783", "300790"],
        // Produits à risques; environnement allergène; gaz, aérosols, fumées.
        "chemicals_dust" => &["300791", "300781", "403022"],
        // En environnement bruyant.
        "noise" => &["300824"],
        // Travail répétitif ou cadence imposée; ligne ou îlot de production.
        "repetitive_gestures" => &["300801", "23382"],
        _ => &[],
    }
}

/// Occupations whose very job is driving a road vehicle and whose ROME access text
/// requires a licence (checked fiche by fiche): professional drivers of goods and people
/// (ROME N41, less the couriers who may ride a bike, meter readers, customs document
/// couriers, horse-drawn drivers, driver's mates and bus inspectors), ambulance crews,
/// tow-truck drivers, army light-vehicle drivers; and driving instructors, who teach in a
/// car.
const LICENCE_JOBS: &[&str] = &[
    "N4101", "N4102", "N4103", "N4105", "N4107", "N4108", "N4109", "N4111", "N4112", "N4113",
    "N4114", "N4115", "N4116", "N4118", "N4120", "N4122", "N4123", "N4124", "N4125", "N4126",
    "N4127", "N4128", "N4129", "N4130", "N4131", "J1305", "J1310", "K2110", "I1615", "K1722",
];

/// Beyond those, the occupations where one drives a vehicle or a machine all day, which
/// a medical "no driving" rules out too: trams, trains and metros, site and farm
/// machines, cranes, forklifts.
const MACHINE_DRIVING_JOBS: &[&str] = &[
    "N4119", "N4301", "N4303", "N4305", "F1301", "F1302", "F1303", "A1101", "A1102", "N1101",
    "N1104", "N1108", "N1111", "N1112", "N1114", "N4402",
];

/// Why a fiche is out of reach whatever the adviser said of it: the person has no
/// licence and the job is driving on the road, or must not drive at all and the job is
/// driving. None otherwise.
pub fn driving_rule(profile: &Map<String, Value>, code: &str) -> Option<&'static str> {
    let no_driving = profile
        .get("health_limits")
        .and_then(Value::as_array)
        .is_some_and(|limits| limits.iter().any(|l| l.as_str() == Some("driving")));
    if no_driving && (LICENCE_JOBS.contains(&code) || MACHINE_DRIVING_JOBS.contains(&code)) {
        return Some("health_limits has driving and this job is driving");
    }
    let no_licence = profile.get("driving_licence").and_then(Value::as_bool) == Some(false);
    if no_licence && LICENCE_JOBS.contains(&code) {
        return Some("driving_licence is false and this job is driving on the road");
    }
    None
}

/// The profile's limits (schedule and health), as listed.
pub fn limits(profile: &Map<String, Value>) -> Vec<String> {
    ["schedule_limits", "health_limits"]
        .iter()
        .filter_map(|key| profile.get(*key).and_then(Value::as_array))
        .flatten()
        .filter_map(|v| v.as_str().map(str::to_string))
        .collect()
}

/// How today's constraints form (crates/domain/instruments/constraints.v1.toml) turns
/// the same answers into excluded contexts: used by `--v1` to measure today's engine
/// as the product feeds it. Limits the form does not offer map to nothing.
fn v1_excluded_contexts(limit: &str) -> &'static [&'static str] {
    match limit {
        "nights" => &["300803"],
        "weekends" => &["23374", "300793"],
        "shifts" => &["300805", "126450"],
        "heavy_loads" => &["300795"],
        "standing" => &["300800"],
        "outdoors" => &["300783", "300790"],
        "bending_kneeling" => &["300798"],
        "repetitive_gestures" => &["300801"],
        "heights" => &["300782"],
        "noise" => &["300824"],
        _ => &[],
    }
}

/// The profile as today's (v1) engine takes it: v2 keys removed, the limits turned
/// into excluded contexts the way today's form does.
pub fn to_v1(profile: &Map<String, Value>) -> Map<String, Value> {
    let mut out = profile.clone();
    let mut excluded: Vec<Value> = out
        .get("excluded_contexts")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    for limit in limits(profile) {
        for code in v1_excluded_contexts(&limit) {
            let code = Value::String((*code).to_string());
            if !excluded.contains(&code) {
                excluded.push(code);
            }
        }
    }
    for key in V2_KEYS {
        out.remove(key);
    }
    if !excluded.is_empty() {
        out.insert("excluded_contexts".into(), Value::Array(excluded));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn map(value: Value) -> Map<String, Value> {
        match value {
            Value::Object(m) => m,
            _ => Map::new(),
        }
    }

    #[test]
    fn v1_strips_v2_keys_and_maps_limits_like_todays_form() {
        let profile = map(json!({
            "riasec": {"S": 80},
            "intent": "change", "qualification": "bac", "hours": "part_time",
            "schedule_limits": ["weekends"], "health_limits": ["chemicals_dust", "standing"],
            "driving_licence": false, "travel": {"mode": "walk", "max_minutes": 20},
            "excluded_contexts": ["300800"]
        }));
        let v1 = to_v1(&profile);
        for key in V2_KEYS {
            assert!(!v1.contains_key(key), "{key} left in");
        }
        assert_eq!(
            v1.get("excluded_contexts"),
            Some(&json!(["300800", "23374", "300793"]))
        );
        assert_eq!(v1.get("riasec"), Some(&json!({"S": 80})));
    }

    #[test]
    fn driving_rule_needs_the_limit_and_a_driving_job() {
        let no_licence = map(json!({"driving_licence": false}));
        assert!(driving_rule(&no_licence, "N4101").is_some());
        assert!(driving_rule(&no_licence, "N1101").is_none());
        assert!(driving_rule(&no_licence, "K2204").is_none());
        let epileptic = map(json!({"health_limits": ["driving"], "driving_licence": true}));
        assert!(driving_rule(&epileptic, "N1101").is_some());
        let licensed = map(json!({"driving_licence": true}));
        assert!(driving_rule(&licensed, "N4101").is_none());
    }
}

//! Communes, employment areas (bassins d'emploi) and labour-market tension in reach.

use std::collections::HashMap;

use crate::Fiche;
use crate::fold::fold;

#[derive(Debug, Clone, PartialEq)]
pub struct Commune {
    pub code: String,
    pub name: String,
    pub population: u32,
    /// Centroid (latitude, longitude), WGS84; missing for a few merged communes.
    pub position: Option<(f64, f64)>,
    /// Employment area (BMO 2019 bassin) the commune belongs to.
    pub area: Option<u32>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EmploymentArea {
    pub code: u32,
    pub name: String,
}

/// Offers, job seekers and the tension index (1 low … 5 very high) of one occupation
/// in one employment area (2020).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Tension {
    pub offers: u32,
    pub seekers: u32,
    pub index: u8,
}

#[derive(Debug, Clone, PartialEq)]
pub struct AreaInReach {
    pub code: u32,
    pub name: String,
    /// Distance from the home commune to the nearest commune of the area.
    pub distance_km: f64,
}

/// Tension of one fiche over the areas in reach.
#[derive(Debug, Clone, PartialEq)]
pub struct TensionSummary {
    pub areas_with_data: usize,
    pub offers: u64,
    pub seekers: u64,
    /// Offer-weighted mean of the tension index (1–5); None without data.
    pub mean_index: Option<f64>,
}

#[derive(Debug)]
pub struct Geo {
    pub communes: Vec<Commune>,
    pub areas: HashMap<u32, EmploymentArea>,
    /// Keyed by the packed ROME v3 code (see [`code_key`]) and the area.
    tension: HashMap<(u32, u32), Tension>,
    /// The same rows by area, for summing an area's occupations at once.
    tension_by_area: HashMap<u32, Vec<(u32, Tension)>>,
    commune_index: HashMap<String, usize>,
    folded_names: Vec<String>,
    /// (latitude, longitude, area) of every placed commune, by latitude: a radius
    /// search reads only the band of latitudes it can reach.
    by_latitude: Vec<(f64, f64, f64, u32)>,
}

/// A ROME code ("D1102") packed in a number, so that tension lookups, done for every
/// fiche of every ranking, neither allocate nor hash a string.
pub fn code_key(code: &str) -> Option<u32> {
    let bytes = code.as_bytes();
    let (letter, digits) = bytes.split_first()?;
    if !letter.is_ascii_uppercase() || digits.len() != 4 || !digits.iter().all(u8::is_ascii_digit) {
        return None;
    }
    let number: u32 = std::str::from_utf8(digits).ok()?.parse().ok()?;
    Some(u32::from(*letter) * 10_000 + number)
}

/// Distance in km on the local tangent plane (equirectangular), given the cosines of
/// both latitudes: within 0.1 % of the great circle at commuting range, and no
/// trigonometry, which matters when a ranking measures hundreds of communes.
pub fn local_distance_km(lat1: f64, lon1: f64, cos1: f64, lat2: f64, lon2: f64, cos2: f64) -> f64 {
    let dy = (lat2 - lat1).to_radians();
    let dx = (lon2 - lon1).to_radians() * (cos1 + cos2) / 2.0;
    6371.0 * (dx * dx + dy * dy).sqrt()
}

/// Great-circle distance in km.
pub fn distance_km(lat1: f64, lon1: f64, lat2: f64, lon2: f64) -> f64 {
    let (p1, p2) = (lat1.to_radians(), lat2.to_radians());
    let dp = p2 - p1;
    let dl = (lon2 - lon1).to_radians();
    let a = (dp / 2.0).sin().powi(2) + p1.cos() * p2.cos() * (dl / 2.0).sin().powi(2);
    2.0 * 6371.0 * a.sqrt().asin()
}

#[derive(Debug, Clone, PartialEq)]
pub struct CommuneHit {
    pub code: String,
    pub name: String,
    pub population: u32,
    pub area: Option<u32>,
}

impl Geo {
    pub fn new(
        communes: Vec<Commune>,
        areas: HashMap<u32, EmploymentArea>,
        tension: HashMap<(String, u32), Tension>,
    ) -> Self {
        let commune_index = communes
            .iter()
            .enumerate()
            .map(|(i, c)| (c.code.clone(), i))
            .collect();
        let folded_names = communes
            .iter()
            .map(|c| {
                fold(&c.name)
                    .split_whitespace()
                    .collect::<Vec<_>>()
                    .join(" ")
            })
            .collect();
        let tension: HashMap<(u32, u32), Tension> = tension
            .into_iter()
            .filter_map(|((code, area), t)| Some(((code_key(&code)?, area), t)))
            .collect();
        let mut tension_by_area: HashMap<u32, Vec<(u32, Tension)>> = HashMap::new();
        for ((code, area), t) in &tension {
            tension_by_area.entry(*area).or_default().push((*code, *t));
        }
        let mut by_latitude: Vec<(f64, f64, f64, u32)> = communes
            .iter()
            .filter_map(|c| {
                let (lat, lon) = c.position?;
                Some((lat, lon, lat.to_radians().cos(), c.area?))
            })
            .collect();
        by_latitude.sort_by(|a, b| a.0.total_cmp(&b.0));
        Geo {
            by_latitude,
            communes,
            areas,
            tension,
            tension_by_area,
            commune_index,
            folded_names,
        }
    }

    pub fn commune(&self, code: &str) -> Option<&Commune> {
        self.commune_index
            .get(code)
            .and_then(|i| self.communes.get(*i))
    }

    /// The packed ROME v3 codes with at least one tension row.
    pub fn codes_with_data(&self) -> std::collections::HashSet<u32> {
        self.tension.keys().map(|(code, _)| *code).collect()
    }

    pub fn tension_rows(&self) -> usize {
        self.tension.len()
    }

    pub fn tension(&self, rome_v3: &str, area: u32) -> Option<Tension> {
        self.tension.get(&(code_key(rome_v3)?, area)).copied()
    }

    /// Employment areas with at least one commune within `radius_km` of the home
    /// commune (its own area always included), nearest first. None for an unknown commune
    /// or one without a known position.
    pub fn areas_within(&self, commune_code: &str, radius_km: f64) -> Option<Vec<AreaInReach>> {
        let home = self.commune(commune_code)?;
        let (home_lat, home_lon) = home.position?;
        let mut nearest: HashMap<u32, f64> = HashMap::new();
        if let Some(area) = home.area {
            nearest.insert(area, 0.0);
        }
        let band = radius_km / 111.0;
        let first = self.by_latitude.partition_point(|c| c.0 < home_lat - band);
        let home_cos = home_lat.to_radians().cos();
        for (lat, lon, cos, area) in &self.by_latitude[first..] {
            if *lat > home_lat + band {
                break;
            }
            let d = local_distance_km(home_lat, home_lon, home_cos, *lat, *lon, *cos);
            if d <= radius_km {
                let entry = nearest.entry(*area).or_insert(d);
                if d < *entry {
                    *entry = d;
                }
            }
        }
        let mut out: Vec<AreaInReach> = nearest
            .into_iter()
            .map(|(code, distance_km)| AreaInReach {
                code,
                name: self
                    .areas
                    .get(&code)
                    .map(|a| a.name.clone())
                    .unwrap_or_default(),
                distance_km,
            })
            .collect();
        out.sort_by(|a, b| {
            a.distance_km
                .total_cmp(&b.distance_km)
                .then(a.code.cmp(&b.code))
        });
        Some(out)
    }

    /// Every tension row of the given areas, as (packed ROME v3 code, tension): one
    /// pass over the areas' rows instead of one lookup per fiche and area.
    pub fn each_tension_in(&self, areas: &[AreaInReach], mut visit: impl FnMut(u32, Tension)) {
        for area in areas {
            for (code, t) in self.tension_by_area.get(&area.code).into_iter().flatten() {
                visit(*code, *t);
            }
        }
    }

    /// The fiche's tension over the given areas (ROME 4.0 → v3 through its parent code).
    pub fn tension_in_reach(&self, fiche: &Fiche, areas: &[AreaInReach]) -> TensionSummary {
        let mut summary = TensionSummary {
            areas_with_data: 0,
            offers: 0,
            seekers: 0,
            mean_index: None,
        };
        let mut weighted = 0.0;
        let mut weights = 0.0;
        let Some(key) = code_key(&fiche.parent_v3) else {
            return summary;
        };
        for area in areas {
            if let Some(t) = self.tension.get(&(key, area.code)) {
                summary.areas_with_data += 1;
                summary.offers += u64::from(t.offers);
                summary.seekers += u64::from(t.seekers);
                let w = f64::from(t.offers.max(1));
                weighted += w * f64::from(t.index);
                weights += w;
            }
        }
        if weights > 0.0 {
            summary.mean_index = Some(weighted / weights);
        }
        summary
    }

    /// Communes by folded name prefix (or any word of it) or INSEE code prefix.
    pub fn search(&self, query: &str, limit: usize) -> Vec<CommuneHit> {
        if crate::search::check_query(query).is_err() {
            return Vec::new();
        }
        let q = fold(query).split_whitespace().collect::<Vec<_>>().join(" ");
        if q.is_empty() {
            return Vec::new();
        }
        let by_code = q.len() <= 5
            && q.chars().all(|c| c.is_ascii_alphanumeric())
            && q.chars().any(|c| c.is_ascii_digit());
        let mut hits: Vec<(u8, &Commune)> = Vec::new();
        for (c, name) in self.communes.iter().zip(&self.folded_names) {
            let rank = if by_code {
                c.code.to_ascii_lowercase().starts_with(&q).then_some(0)
            } else if name == &q {
                Some(0)
            } else if name.starts_with(&q) {
                Some(1)
            } else if name.split(' ').any(|w| w.starts_with(&q)) {
                Some(2)
            } else {
                None
            };
            if let Some(rank) = rank {
                hits.push((rank, c));
            }
        }
        hits.sort_by(|a, b| a.0.cmp(&b.0).then(b.1.population.cmp(&a.1.population)));
        hits.into_iter()
            .take(limit)
            .map(|(_, c)| CommuneHit {
                code: c.code.clone(),
                name: c.name.clone(),
                population: c.population,
                area: c.area,
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paris_to_rouen_is_about_112_km() {
        let d = distance_km(48.8566, 2.3522, 49.4432, 1.0999);
        let cos = |lat: f64| lat.to_radians().cos();
        let local = local_distance_km(48.8566, 2.3522, cos(48.8566), 49.4432, 1.0999, cos(49.4432));
        assert!((local - d).abs() / d < 0.002, "{local} vs {d}");
        assert!((d - 112.0).abs() < 3.0, "{d}");
    }
}

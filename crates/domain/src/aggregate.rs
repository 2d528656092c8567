//! Rules for figures shown outside the team that follows a person.

/// Cells under this many people are never shown to funders or partners.
pub const MIN_CELL: u64 = 11;

/// A count safe to publish, or `None` when it would identify people.
/// Zero is shown: it identifies no one.
pub fn publishable(count: u64) -> Option<u64> {
    (count == 0 || count >= MIN_CELL).then_some(count)
}

/// A linear relation between the cells of a table: the sum of coefficient × cell is 0
/// (a total and its parts: `total - part1 - part2 … = 0`).
pub type Relation = Vec<(usize, i64)>;

/// The figures of a published surface with what links them: every additive relation a
/// reader knows (a total equals the sum of its parts, a label adds up situations…), and
/// which cells carry a percentage of another (a hidden denominator hides them, or the
/// percentage would give it back). Suppression is decided over the whole table at once,
/// so that no hidden cell can be derived from the shown ones.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Table {
    pub values: Vec<u64>,
    pub relations: Vec<Relation>,
    /// (denominator, cells shown as a percentage of it).
    pub denominators: Vec<(usize, Vec<usize>)>,
}

impl Table {
    /// A new cell holding `value`; its index.
    pub fn cell(&mut self, value: u64) -> usize {
        self.values.push(value);
        self.values.len() - 1
    }

    /// `total = Σ parts`.
    pub fn sum(&mut self, total: usize, parts: &[usize]) {
        let mut relation = vec![(total, 1)];
        relation.extend(parts.iter().map(|p| (*p, -1)));
        self.relations.push(relation);
    }

    /// `Σ left = Σ right`.
    pub fn equal_sums(&mut self, left: &[usize], right: &[usize]) {
        let mut relation: Relation = left.iter().map(|c| (*c, 1)).collect();
        relation.extend(right.iter().map(|c| (*c, -1)));
        self.relations.push(relation);
    }

    /// Cells under `min_cell` (zero identifies nobody and stays) are hidden, then
    /// enough others that no hidden cell (but a zero) can be derived exactly from the
    /// shown ones: while one is, the cheapest shown cell of a relation it is in is
    /// hidden too (one that frees it first; non-zero cells before zeros, then the
    /// fewest people hidden with it). `forced` cells are hidden whatever their count.
    pub fn protect(&self, min_cell: u64, forced: &[bool]) -> Vec<bool> {
        self.protect_keeping(min_cell, forced, &[])
    }

    /// [`Table::protect`], taking complements among the cells not `kept` (the figures
    /// of a whole already protected, so that its breakdowns hide their own cells)
    /// while others can do.
    pub fn protect_keeping(&self, min_cell: u64, forced: &[bool], kept: &[bool]) -> Vec<bool> {
        let kept = |c: usize| kept.get(c).copied().unwrap_or(false);
        let mut hidden: Vec<bool> = self
            .values
            .iter()
            .enumerate()
            .map(|(i, &v)| (v > 0 && v < min_cell) || forced.get(i).copied().unwrap_or(false))
            .collect();
        self.close_denominators(&mut hidden);
        loop {
            // A hidden zero worked out identifies nobody; any other may not be.
            let Some(exposed) = self
                .derivable(&hidden)
                .iter()
                .zip(&self.values)
                .position(|(d, v)| *d && *v > 0)
            else {
                return hidden;
            };
            let shown = |c: &usize| !hidden[*c];
            let near = |c: &usize| self.shares_relation(*c, exposed);
            let cells = || (0..self.values.len()).filter(shown);
            let mut pool: Vec<usize> = cells().filter(|c| !kept(*c) && near(c)).collect();
            if pool.is_empty() {
                pool = cells().filter(near).collect();
            }
            if pool.is_empty() {
                pool = cells().collect();
            }
            let mut candidates: Vec<((bool, u64, usize), Vec<bool>)> = pool
                .into_iter()
                .map(|c| {
                    let mut with = hidden.clone();
                    with[c] = true;
                    self.close_denominators(&mut with);
                    let cost: u64 = (0..with.len())
                        .filter(|i| with[*i] && !hidden[*i])
                        .map(|i| self.values[i])
                        .sum();
                    ((self.values[c] == 0, cost, c), with)
                })
                .collect();
            candidates.sort_by_key(|(key, _)| *key);
            // The cheapest that frees it; else the cheapest (it is in several relations:
            // the next rounds add the others).
            let choice = candidates
                .iter()
                .position(|(_, with)| {
                    !Unknowns::new(&self.relations, with).determines(&[(exposed, 1)])
                })
                .unwrap_or(0);
            match candidates.into_iter().nth(choice) {
                Some((_, with)) => hidden = with,
                // Everything is hidden: nothing can be derived from nothing shown.
                None => return hidden,
            }
        }
    }

    fn shares_relation(&self, a: usize, b: usize) -> bool {
        self.relations
            .iter()
            .any(|r| r.iter().any(|(c, _)| *c == a) && r.iter().any(|(c, _)| *c == b))
    }

    /// A hidden denominator hides its percentages; a hidden cell hides its copies
    /// (a relation of two cells: a breakdown of one row repeats the total).
    fn close_denominators(&self, hidden: &mut [bool]) {
        let mut changed = true;
        while changed {
            changed = false;
            for (denominator, shares) in &self.denominators {
                if hidden[*denominator] {
                    for s in shares {
                        changed |= !hidden[*s];
                        hidden[*s] = true;
                    }
                }
            }
            for relation in &self.relations {
                if let [(a, _), (b, _)] = relation.as_slice()
                    && hidden[*a] != hidden[*b]
                {
                    hidden[*a] = true;
                    hidden[*b] = true;
                    changed = true;
                }
            }
        }
    }

    /// The hidden cells other than zeros that can be worked out.
    pub fn exposed(&self, hidden: &[bool]) -> impl Iterator<Item = usize> {
        self.derivable(hidden)
            .into_iter()
            .enumerate()
            .filter(|(c, d)| *d && self.values[*c] > 0)
            .map(|(c, _)| c)
            .collect::<Vec<_>>()
            .into_iter()
    }

    /// For each cell: hidden, and yet determined exactly by the shown cells and the
    /// relations.
    pub fn derivable(&self, hidden: &[bool]) -> Vec<bool> {
        let system = Unknowns::new(&self.relations, hidden);
        let mut derivable = vec![system.overflowed; hidden.len()];
        for (cell, col) in system.column.iter().enumerate() {
            derivable[cell] &= col.is_some();
        }
        // Fully reduced: a cell is determined iff a row holds it alone.
        for (pivot, row) in &system.rows {
            if row.iter().filter(|v| **v != 0).count() == 1
                && let Some(cell) = system.cells.get(*pivot)
            {
                derivable[*cell] = true;
            }
        }
        derivable
    }
}

/// The relations restricted to the hidden cells, in reduced row-echelon form (exact
/// integer arithmetic): what a reader can learn of the hidden cells from the shown.
/// A linear combination of cells is determined iff its hidden part lies in the row
/// space (the shown cells are known constants).
#[derive(Debug, Clone)]
pub struct Unknowns {
    /// Hidden cell → column.
    column: Vec<Option<usize>>,
    /// Column → hidden cell.
    cells: Vec<usize>,
    /// (pivot column, row); every other row is zero at the pivot columns.
    rows: Vec<(usize, Vec<i128>)>,
    /// The arithmetic overflowed: every combination is taken as determined (the
    /// caller then hides more), never the other way round.
    overflowed: bool,
}

fn gcd(a: i128, b: i128) -> i128 {
    let (mut a, mut b) = (a.unsigned_abs(), b.unsigned_abs());
    while b != 0 {
        (a, b) = (b, a % b);
    }
    i128::try_from(a).unwrap_or(1)
}

/// Divides a row by the gcd of its entries, the first non-zero made positive.
fn normalise(row: &mut [i128]) {
    let g = row.iter().fold(0, |g, v| gcd(g, *v));
    let sign = row.iter().find(|v| **v != 0).map_or(1, |v| v.signum());
    if g > 1 || sign < 0 {
        for v in row.iter_mut() {
            *v = *v / g * sign;
        }
    }
}

/// `row = a·row - b·pivot`, exactly, or `None` on overflow.
fn eliminate(row: &mut [i128], pivot: &[i128], at: usize) -> Option<()> {
    let (a, b) = (pivot[at], row[at]);
    if b == 0 {
        return Some(());
    }
    let g = gcd(a, b);
    let (a, b) = (a / g, b / g);
    for (v, p) in row.iter_mut().zip(pivot) {
        *v = v.checked_mul(a)?.checked_sub(p.checked_mul(b)?)?;
    }
    normalise(row);
    Some(())
}

impl Unknowns {
    pub fn new(relations: &[Relation], hidden: &[bool]) -> Unknowns {
        let mut column = vec![None; hidden.len()];
        let mut cells = Vec::new();
        for (c, h) in hidden.iter().enumerate() {
            if *h {
                column[c] = Some(cells.len());
                cells.push(c);
            }
        }
        let mut system = Unknowns {
            column,
            cells,
            rows: Vec::new(),
            overflowed: false,
        };
        for relation in relations {
            let Some(mut row) = system.dense(relation) else {
                continue;
            };
            if system.reduce(&mut row).is_none() {
                system.overflowed = true;
                return system;
            }
            let Some(pivot) = row.iter().position(|v| *v != 0) else {
                continue;
            };
            normalise(&mut row);
            for (_, other) in &mut system.rows {
                if eliminate(other, &row, pivot).is_none() {
                    system.overflowed = true;
                    return system;
                }
            }
            system.rows.push((pivot, row));
        }
        system
    }

    /// The hidden part of a combination of cells, or `None` when it has none.
    fn dense(&self, combination: &[(usize, i64)]) -> Option<Vec<i128>> {
        let mut row = vec![0_i128; self.cells.len()];
        let mut any = false;
        for (cell, coefficient) in combination {
            if let Some(Some(col)) = self.column.get(*cell) {
                row[*col] += i128::from(*coefficient);
                any = true;
            }
        }
        any.then_some(row)
    }

    fn reduce(&self, row: &mut [i128]) -> Option<()> {
        for (pivot, pivot_row) in &self.rows {
            eliminate(row, pivot_row, *pivot)?;
        }
        Some(())
    }

    /// Whether the shown cells and the relations fix the value of this combination.
    pub fn determines(&self, combination: &[(usize, i64)]) -> bool {
        if self.overflowed {
            return true;
        }
        let Some(mut row) = self.dense(combination) else {
            return true;
        };
        match self.reduce(&mut row) {
            Some(()) => row.iter().all(|v| *v == 0),
            None => true,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn small_cells_are_hidden() {
        assert_eq!(publishable(0), Some(0));
        assert_eq!(publishable(1), None);
        assert_eq!(publishable(10), None);
        assert_eq!(publishable(11), Some(11));
        assert_eq!(publishable(500), Some(500));
    }

    /// Before: 12 + 25 + 34 + 21 shown of 102, the fifth part hidden alone.
    #[test]
    fn a_part_hidden_alone_under_its_total_is_protected() {
        let mut t = Table::default();
        let total = t.cell(102);
        let parts: Vec<usize> = [12, 25, 34, 21, 10].iter().map(|v| t.cell(*v)).collect();
        t.sum(total, &parts);
        let alone: Vec<bool> = t.values.iter().map(|v| *v > 0 && *v < MIN_CELL).collect();
        assert!(
            t.derivable(&alone)[parts[4]],
            "102 - 12 - 25 - 34 - 21 = 10"
        );
        let hidden = t.protect(MIN_CELL, &[]);
        assert!(hidden[parts[4]]);
        assert!(hidden[parts[0]], "the smallest other part: {hidden:?}");
        assert_eq!(hidden.iter().filter(|h| **h).count(), 2);
        assert_eq!(t.exposed(&hidden).count(), 0);
        let shown = Unknowns::new(&t.relations, &hidden);
        assert!(
            shown.determines(&[(parts[0], 1), (parts[4], 1)]),
            "their sum is known"
        );
    }

    #[test]
    fn zero_is_shown_and_a_complement_is_not_zero_when_another_will_do() {
        let mut t = Table::default();
        let total = t.cell(40);
        let parts: Vec<usize> = [3, 0, 37].iter().map(|v| t.cell(*v)).collect();
        t.sum(total, &parts);
        let hidden = t.protect(MIN_CELL, &[]);
        assert_eq!(hidden, vec![false, true, false, true]);
        // Only zeros left to hide with it: a zero it is.
        let mut t = Table::default();
        let total = t.cell(3);
        let parts: Vec<usize> = [3, 0].iter().map(|v| t.cell(*v)).collect();
        t.sum(total, &parts);
        let hidden = t.protect(MIN_CELL, &[]);
        assert_eq!(t.exposed(&hidden).count(), 0, "{hidden:?}");
    }

    /// A table of `rows` × `cols` counts with its row, column and grand totals.
    fn grid(counts: &[Vec<u64>]) -> Table {
        let mut t = Table::default();
        let cells: Vec<Vec<usize>> = counts
            .iter()
            .map(|r| r.iter().map(|v| t.cell(*v)).collect())
            .collect();
        let cols = counts.first().map_or(0, Vec::len);
        let row_totals: Vec<usize> = counts
            .iter()
            .zip(&cells)
            .map(|(r, c)| {
                let total = t.cell(r.iter().sum());
                t.sum(total, c);
                total
            })
            .collect();
        let col_totals: Vec<usize> = (0..cols)
            .map(|j| {
                let total = t.cell(counts.iter().map(|r| r[j]).sum());
                let parts: Vec<usize> = cells.iter().map(|r| r[j]).collect();
                t.sum(total, &parts);
                total
            })
            .collect();
        let grand = t.cell(counts.iter().flatten().sum());
        t.sum(grand, &row_totals);
        t.sum(grand, &col_totals);
        t
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(300))]

        /// Random tables with totals by row and column (and a grand total): once
        /// protected, every small cell is hidden and no hidden cell is determined by
        /// the shown ones.
        #[test]
        fn no_hidden_cell_of_a_protected_table_can_be_derived(
            counts in proptest::collection::vec(
                proptest::collection::vec(
                    prop_oneof![0_u64..3, 1_u64..11, 11_u64..60],
                    1..5,
                ),
                1..5,
            ).prop_map(|mut rows| {
                let cols = rows.iter().map(Vec::len).min().unwrap_or(1);
                for r in &mut rows { r.truncate(cols); }
                rows
            }),
            min_cell in 2_u64..15,
        ) {
            let t = grid(&counts);
            let hidden = t.protect(min_cell, &[]);
            for (i, v) in t.values.iter().enumerate() {
                if *v > 0 && *v < min_cell {
                    prop_assert!(hidden[i], "cell {i} ({v}) shown");
                }
            }
            let exposed: Vec<usize> = t.exposed(&hidden).collect();
            prop_assert!(exposed.is_empty(), "{counts:?}: {hidden:?} {exposed:?}");
        }
    }
}

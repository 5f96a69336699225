//! Column layout for tables, the one place every list screen's widths come
//! from. Widths follow the rows being shown, not the headers: each column is
//! measured over its rows ([`Measure`]), then [`fit`] decides, in this order,
//! when the terminal is too narrow for everything:
//! 1. decoration (priority [`DECORATION`] and up: sparklines, ages, counts a
//!    bar already shows) is dropped while the whole columns (names, status and
//!    health words) cannot be shown whole;
//! 2. whole columns are cut (the widest first, never below their floor: a
//!    status word stays whole; names are cut in the middle by their cells);
//! 3. the remaining columns go by priority;
//! 4. a dropped column that fits in what is left comes back.
//!
//! Spare width then goes to the most important columns first, up to what
//! their content needs.

use ratatui::layout::Constraint;

/// Priorities from this one on are decoration: dropped before a name is cut.
pub const DECORATION: u8 = 4;

/// One column of a table.
#[derive(Debug, Clone, Copy)]
pub struct Column {
    pub title: &'static str,
    /// The width it needs to be useful.
    pub min: u16,
    /// The width beyond which more space does not help.
    pub max: u16,
    /// 0 is always shown; larger numbers are dropped first when space runs out.
    pub priority: u8,
    /// Names and status words: shown whole before decoration gets any room.
    pub whole: bool,
    /// What "whole" means for it: all of a name, but only the word of a
    /// status ("Failed" of "Failed PodFailurePolicy"; the rest grows from
    /// spare width). `max` until measured.
    pub keep: u16,
    /// Its cells change with the clock alone (ages, elapsed times): never
    /// measured, as wide as declared, so the layout does not move with the
    /// clock (the other columns' measures are kept until the rows change,
    /// `ui::list::ListTable::measure_key`).
    pub ticks: bool,
}

pub use model::text::Measure;
use model::text::cells;

impl Column {
    pub const fn fixed(title: &'static str, width: u16, priority: u8) -> Self {
        Self { title, min: width, max: width, priority, whole: false, keep: width, ticks: false }
    }

    pub const fn flex(title: &'static str, min: u16, max: u16, priority: u8) -> Self {
        Self { title, min, max, priority, whole: false, keep: max, ticks: false }
    }

    /// Marks a name or status column: shown whole before decoration gets room.
    #[must_use]
    pub const fn whole(mut self) -> Self {
        self.whole = true;
        self
    }

    /// Marks a column of times that tick (an age).
    #[must_use]
    pub const fn ticks(mut self) -> Self {
        self.ticks = true;
        self
    }

    /// Fits the column to what its rows need: no wider than its widest cell
    /// (or its title), no narrower than its floor, so spare width goes where
    /// it shows something and a word is never cut.
    #[must_use]
    pub fn measured(mut self, m: Measure) -> Self {
        let want = m.content.max(cells(self.title)).min(self.max).max(m.floor);
        self.min = self.min.min(want).max(m.floor);
        self.max = want;
        self.keep = if m.floor > 0 { m.floor } else { want };
        self
    }
}

/// The measure of column `col` over `items` (`None` when the column is not
/// measured: a bar is as wide as it is given).
pub fn measure_rows<T>(items: &[T], col: usize, measure: &dyn Fn(&T, usize) -> Option<Measure>) -> Option<Measure> {
    items.iter().filter_map(|item| measure(item, col)).reduce(Measure::max)
}

/// The columns that fit in `width` (as indexes into `columns`, in order) and the
/// width each gets. `spacing` is the gap between columns.
pub fn fit(columns: &[Column], width: u16, spacing: u16) -> Vec<(usize, u16)> {
    let mut shown: Vec<(usize, u16)> = columns
        .iter()
        .enumerate()
        .map(|(i, c)| (i, if c.whole { c.keep.clamp(c.min, c.max.max(c.min)) } else { c.min }))
        .collect();
    let over = |shown: &[(usize, u16)]| used(shown, spacing).saturating_sub(u32::from(width));
    while over(&shown) > 0 && drop_one(columns, &mut shown, |c| !c.whole && c.priority >= DECORATION) {}
    let cut = over(&shown);
    cut_whole(columns, &mut shown, cut);
    while over(&shown) > 0 && shown.len() > 1 && drop_one(columns, &mut shown, |c| c.priority > 0) {}
    refill(columns, &mut shown, width, spacing);
    let spare = u32::from(width).saturating_sub(used(&shown, spacing));
    grow(columns, &mut shown, spare);
    shown
}

fn used(shown: &[(usize, u16)], spacing: u16) -> u32 {
    shown.iter().map(|&(_, w)| u32::from(w)).sum::<u32>() + u32::from(spacing) * shown.len().saturating_sub(1) as u32
}

/// Drops the lowest-priority column that `may_drop` allows (among equals, the
/// rightmost); false when there is none.
fn drop_one(columns: &[Column], shown: &mut Vec<(usize, u16)>, may_drop: impl Fn(&Column) -> bool) -> bool {
    let pick = shown
        .iter()
        .enumerate()
        .filter(|(_, (i, _))| may_drop(&columns[*i]))
        .max_by_key(|(pos, (i, _))| (columns[*i].priority, *pos))
        .map(|(pos, _)| pos);
    pick.map(|pos| shown.remove(pos)).is_some()
}

/// Puts dropped columns back, the most important first, where they fit in
/// what is left: a narrow age can come back beside a name the drops made room for.
fn refill(columns: &[Column], shown: &mut Vec<(usize, u16)>, width: u16, spacing: u16) {
    let mut dropped: Vec<usize> = (0..columns.len()).filter(|i| !shown.iter().any(|(s, _)| s == i)).collect();
    dropped.sort_by_key(|&i| (columns[i].priority, i));
    for i in dropped {
        let spare = u32::from(width).saturating_sub(used(shown, spacing));
        if u32::from(columns[i].min) + u32::from(spacing) <= spare {
            let at = shown.iter().position(|(s, _)| *s > i).unwrap_or(shown.len());
            shown.insert(at, (i, columns[i].min));
        }
    }
}

/// Takes `over` cells from the whole columns, one at a time from the one
/// furthest above its minimum, so long names shrink before short ones.
fn cut_whole(columns: &[Column], shown: &mut [(usize, u16)], mut over: u32) {
    while over > 0 {
        let widest = shown
            .iter_mut()
            .filter(|(i, w)| columns[*i].whole && *w > columns[*i].min)
            .max_by_key(|(i, w)| *w - columns[*i].min);
        match widest {
            Some((_, w)) => *w -= 1,
            None => return,
        }
        over -= 1;
    }
}

/// Spare cells go to the most important columns first (names before
/// messages), one at a time among equals so they grow together, each up to
/// its `max`.
fn grow(columns: &[Column], shown: &mut [(usize, u16)], mut spare: u32) {
    let mut priorities: Vec<u8> = shown.iter().map(|&(i, _)| columns[i].priority).collect();
    priorities.sort_unstable();
    priorities.dedup();
    for p in priorities {
        loop {
            let mut grew = false;
            for (i, w) in shown.iter_mut() {
                if spare > 0 && columns[*i].priority == p && *w < columns[*i].max {
                    *w += 1;
                    spare -= 1;
                    grew = true;
                }
            }
            if !grew || spare == 0 {
                break;
            }
        }
    }
}

/// Table constraints for a fitted layout.
pub fn constraints(fitted: &[(usize, u16)]) -> Vec<Constraint> {
    fitted.iter().map(|&(_, w)| Constraint::Length(w)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const COLS: [Column; 4] = [
        Column::flex("NAME", 10, 30, 0),
        Column::fixed("AGE", 5, 3),
        Column::fixed("STATUS", 8, 1),
        Column::fixed("NS", 6, 2),
    ];

    fn titles(columns: &[Column], width: u16) -> Vec<&'static str> {
        fit(columns, width, 1).iter().map(|(i, _)| columns[*i].title).collect()
    }

    #[test]
    fn drops_lowest_priority_first() {
        assert_eq!(titles(&COLS, 100), ["NAME", "AGE", "STATUS", "NS"]);
        assert_eq!(titles(&COLS, 26), ["NAME", "STATUS", "NS"]);
        assert_eq!(titles(&COLS, 19), ["NAME", "STATUS"]);
        assert_eq!(titles(&COLS, 5), ["NAME"]);
    }

    #[test]
    fn spare_width_goes_to_important_flexible_columns_up_to_their_max() {
        let f = fit(&COLS, 60, 1);
        assert_eq!(f[0], (0, 30));
        let f = fit(&COLS, 35, 1);
        assert_eq!(f[0], (0, 13));
        let cols = [Column::flex("MSG", 5, 50, 3), Column::flex("NAME", 5, 8, 0)];
        assert_eq!(fit(&cols, 20, 1), vec![(0, 11), (1, 8)], "NAME fills up first");
    }

    #[test]
    fn measured_follows_the_content_but_not_below_the_title_or_a_word() {
        let name = Column::flex("NAME", 10, 40, 0);
        assert_eq!(name.measured(Measure::text(&"x".repeat(25))).max, 25);
        let short = name.measured(Measure::text("abc"));
        assert_eq!((short.min, short.max), (4, 4), "as wide as the title when the content is shorter");
        let status = Column::flex("STATUS", 11, 24, 0).measured(Measure::word("Failed", "Failed PodFailurePolicy"));
        assert_eq!((status.min, status.max, status.keep), (11, 23, 6), "whole means the word");
        let health = Column::flex("HEALTH", 4, 5, 0).measured(Measure::exact("missing"));
        assert_eq!((health.min, health.max), (7, 7), "a word wins over the column's max");
    }

    #[test]
    fn decoration_goes_before_a_name_is_cut_and_then_names_are_cut_before_the_rest_goes() {
        let cols = [
            Column::flex("NAME", 8, 30, 0).whole(),
            Column::flex("NODE", 8, 12, 3).whole(),
            Column::fixed("SPARK", 8, 5),
            Column::fixed("EXIT", 4, 1),
        ];
        // Everything whole: 30 + 12 + 8 + 4 + 3 gaps.
        assert_eq!(fit(&cols, 57, 1), vec![(0, 30), (1, 12), (2, 8), (3, 4)]);
        assert_eq!(fit(&cols, 50, 1), vec![(0, 30), (1, 12), (3, 4)], "the sparkline goes first");
        assert_eq!(fit(&cols, 56, 1), vec![(0, 30), (1, 12), (3, 4)], "a name is not cut for decoration");
        assert_eq!(fit(&cols, 40, 1), vec![(0, 22), (1, 12), (3, 4)], "then the longest name is cut");
        assert_eq!(fit(&cols, 24, 1), vec![(0, 9), (1, 9), (3, 4)], "both names are cut toward their min");
        assert_eq!(titles(&cols, 20), ["NAME", "EXIT"], "then the rest goes by priority");
    }

    #[test]
    fn a_narrow_column_dropped_early_comes_back_into_the_room_a_wide_one_left() {
        let cols = [Column::flex("NAME", 8, 30, 0).whole(), Column::fixed("A", 3, 6), Column::fixed("WIDE", 10, 5)];
        assert_eq!(fit(&cols, 40, 1), vec![(0, 30), (1, 3)]);
    }

    proptest! {
        #[test]
        fn fitted_columns_never_exceed_the_width_when_the_essentials_fit(
            specs in proptest::collection::vec((1..20u16, 0..30u16, 0..7u8, any::<bool>()), 1..12),
            width in 0..200u16,
        ) {
            let mut columns: Vec<Column> = specs
                .iter()
                .map(|&(min, extra, priority, whole)| Column { title: "C", min, max: min + extra, priority, whole, keep: min + extra, ticks: false })
                .collect();
            columns[0].priority = 0;
            let fitted = fit(&columns, width, 1);
            let essentials: Vec<u16> = columns.iter().filter(|c| c.priority == 0).map(|c| c.min).collect();
            let essential = essentials.iter().map(|&w| u32::from(w)).sum::<u32>() + essentials.len().saturating_sub(1) as u32;
            for &(i, w) in &fitted {
                prop_assert!(w >= columns[i].min && w <= columns[i].max.max(columns[i].min));
            }
            prop_assert!(fitted.windows(2).all(|p| p[0].0 < p[1].0), "columns keep their order");
            if essential <= u32::from(width) {
                prop_assert!(used(&fitted, 1) <= u32::from(width), "{fitted:?} in {width}");
            }
        }
    }
}

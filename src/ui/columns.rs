//! Column layout for tables: narrow terminals drop low-priority columns first,
//! wide ones give the spare width to the flexible columns (names, bars, messages).

use ratatui::layout::Constraint;

/// One column of a table.
#[derive(Debug, Clone, Copy)]
pub struct Column {
    pub title: &'static str,
    /// The width it needs to be useful.
    pub min: u16,
    /// The width beyond which more space does not help (for flexible columns).
    pub max: u16,
    /// 0 is always shown; larger numbers are dropped first when space runs out.
    pub priority: u8,
}

impl Column {
    pub const fn fixed(title: &'static str, width: u16, priority: u8) -> Self {
        Self { title, min: width, max: width, priority }
    }

    pub const fn flex(title: &'static str, min: u16, max: u16, priority: u8) -> Self {
        Self { title, min, max, priority }
    }

    /// Caps a flexible column at its widest content, so spare width goes
    /// where it shows something.
    #[must_use]
    pub fn fit_content(mut self, widest: usize) -> Self {
        self.max = self.max.min((widest as u16).max(self.min).max(self.title.len() as u16));
        self
    }
}

/// The columns that fit in `width` (as indexes into `columns`, in order) and the
/// width each gets. `spacing` is the gap between columns.
pub fn fit(columns: &[Column], width: u16, spacing: u16) -> Vec<(usize, u16)> {
    let mut shown: Vec<usize> = (0..columns.len()).collect();
    let needed = |shown: &[usize]| -> u32 {
        shown.iter().map(|&i| u32::from(columns[i].min)).sum::<u32>()
            + u32::from(spacing) * shown.len().saturating_sub(1) as u32
    };
    while needed(&shown) > u32::from(width) && shown.len() > 1 {
        // Drop the lowest-priority column; among equals, the rightmost.
        let drop = shown.iter().enumerate().max_by_key(|(pos, i)| (columns[**i].priority, *pos)).map(|(pos, _)| pos);
        match drop {
            Some(pos) if columns[shown[pos]].priority > 0 => {
                shown.remove(pos);
            }
            _ => break,
        }
    }
    let mut widths: Vec<u16> = shown.iter().map(|&i| columns[i].min).collect();
    let mut spare = u32::from(width).saturating_sub(needed(&shown));
    // Spare cells go to the most important growable columns first (names
    // before messages), one at a time among equals so they grow together.
    let mut priorities: Vec<u8> = shown.iter().map(|&i| columns[i].priority).collect();
    priorities.sort_unstable();
    priorities.dedup();
    for p in priorities {
        loop {
            let mut grew = false;
            for (w, &i) in widths.iter_mut().zip(&shown) {
                if spare > 0 && columns[i].priority == p && *w < columns[i].max {
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
    shown.into_iter().zip(widths).collect()
}

/// Table constraints for a fitted layout.
pub fn constraints(fitted: &[(usize, u16)]) -> Vec<Constraint> {
    fitted.iter().map(|&(_, w)| Constraint::Length(w)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    const COLS: [Column; 4] = [
        Column::flex("NAME", 10, 30, 0),
        Column::fixed("AGE", 5, 3),
        Column::fixed("STATUS", 8, 1),
        Column::fixed("NS", 6, 2),
    ];

    #[test]
    fn drops_lowest_priority_first() {
        let names = |w| fit(&COLS, w, 1).iter().map(|(i, _)| COLS[*i].title).collect::<Vec<_>>();
        assert_eq!(names(100), ["NAME", "AGE", "STATUS", "NS"]);
        assert_eq!(names(26), ["NAME", "STATUS", "NS"]);
        assert_eq!(names(19), ["NAME", "STATUS"]);
        assert_eq!(names(5), ["NAME"]);
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
    fn fit_content_caps_at_the_widest_value_but_not_below_min_or_title() {
        assert_eq!(Column::flex("NAME", 10, 40, 0).fit_content(25).max, 25);
        assert_eq!(Column::flex("NAME", 10, 40, 0).fit_content(3).max, 10);
        assert_eq!(Column::flex("NAMESPACE", 5, 40, 0).fit_content(3).max, 9);
    }
}

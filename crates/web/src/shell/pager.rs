//! A long list shown a page at a time (issue 17: every page at most 100 KB): the rows of one
//! page, "4.000 planes · página 2 de 80" over ALL the rows, and links to the previous and next
//! pages, as the members list does. The caller computes every total over all the rows before
//! it takes a page; only what is shown is cut.

use super::Tr;

/// Rows a paged list shows at once (as the members list: 50).
pub const ROWS_PER_PAGE: usize = 50;

/// The links and the summary of one page of a list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pager {
    /// "4.000 planes · página 2 de 80" (only the count when there is one page).
    pub summary: String,
    pub prev: Option<String>,
    pub next: Option<String>,
}

impl Pager {
    /// Whether there is another page to link to.
    pub fn shown(&self) -> bool {
        self.prev.is_some() || self.next.is_some()
    }
}

/// The page number a query asked for (from 1; missing or 0 is the first).
pub fn page_number(asked: Option<usize>) -> usize {
    asked.unwrap_or(1).max(1)
}

/// Page `page` (from 1, clamped to the last) of `items`, with its pager: `count` words the
/// number of ALL the items ("4.000 planes"), `link(n)` is page n's address.
pub fn paged<T>(
    t: Tr,
    items: Vec<T>,
    page: usize,
    count: impl Fn(usize) -> String,
    link: impl Fn(usize) -> String,
) -> (Vec<T>, Pager) {
    let total = items.len();
    let pages = total.div_ceil(ROWS_PER_PAGE).max(1);
    let page = page.clamp(1, pages);
    let words = count(total);
    let summary = if pages > 1 {
        let (p, of) = (page.to_string(), pages.to_string());
        format!("{words} · {}", t.fmt_all("members.page_of", &[&p, &of]))
    } else {
        words
    };
    let pager = Pager {
        summary,
        prev: (page > 1).then(|| link(page - 1)),
        next: (page < pages).then(|| link(page + 1)),
    };
    let items = items
        .into_iter()
        .skip((page - 1) * ROWS_PER_PAGE)
        .take(ROWS_PER_PAGE)
        .collect();
    (items, pager)
}

/// "1 plan" or "4.000 planes": the catalogue's `one` key for one, `many` (with the number
/// grouped as Mexicans write it) otherwise.
pub fn count_words(t: Tr, n: usize, one: &str, many: &str) -> String {
    if n == 1 {
        t.get(one).to_string()
    } else {
        t.fmt(many, &super::format::group_thousands(n as u64))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t() -> Tr {
        Tr::new(super::super::Lang::Es)
    }

    #[test]
    fn a_page_holds_at_most_fifty_rows_and_links_both_ways() {
        let items: Vec<usize> = (1..=120).collect();
        let link = |n: usize| format!("?pagina={n}");
        let count = |n: usize| format!("{n} filas");
        let (rows, p) = paged(t(), items.clone(), 2, count, link);
        assert_eq!(rows, (51..=100).collect::<Vec<_>>());
        assert_eq!(p.prev.as_deref(), Some("?pagina=1"));
        assert_eq!(p.next.as_deref(), Some("?pagina=3"));
        assert!(p.summary.starts_with("120 filas · "), "{}", p.summary);
        // The last page holds the rest; a page past it is the last.
        let (rows, p) = paged(t(), items.clone(), 9, count, link);
        assert_eq!(rows, (101..=120).collect::<Vec<_>>());
        assert_eq!((p.prev.as_deref(), p.next), (Some("?pagina=2"), None));
        // One page: no links, the count only.
        let (rows, p) = paged(t(), vec![1, 2, 3], 1, count, link);
        assert_eq!(
            (rows.len(), p.shown(), p.summary.as_str()),
            (3, false, "3 filas")
        );
        // No rows: one empty page.
        let (rows, p) = paged(t(), Vec::<usize>::new(), 0, count, link);
        assert!(rows.is_empty() && !p.shown());
        assert_eq!(page_number(None), 1);
        assert_eq!(page_number(Some(0)), 1);
    }
}

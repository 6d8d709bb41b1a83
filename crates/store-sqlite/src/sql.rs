//! Small SQL builders: multi-row inserts under SQLite's variable limit, and JSON arrays that
//! pass a whole list as one parameter (`IN (SELECT value FROM json_each(?2))`).

/// SQLite's default `SQLITE_MAX_VARIABLE_NUMBER` (since 3.32).
const MAX_VARIABLES: usize = 32_766;
/// Rows per statement even when columns are few: long statements gain nothing past this.
const MAX_ROWS: usize = 4_000;

/// How many rows of `per_row` parameters fit in one statement.
pub(crate) fn rows_per_statement(per_row: usize) -> usize {
    (MAX_VARIABLES / per_row).min(MAX_ROWS)
}

/// `{head} VALUES (?, ?, ..), (?, ..), .. {tail}` for `rows` rows of `per_row` anonymous
/// parameters. Anonymous on purpose: SQLite looks a numbered parameter's name up in a list,
/// so binding thousands of `?NNN` costs time quadratic in their number.
pub(crate) fn multi_row_insert(head: &str, per_row: usize, rows: usize, tail: &str) -> String {
    debug_assert!(rows >= 1 && per_row >= 1 && rows * per_row <= MAX_VARIABLES);
    let mut sql = String::with_capacity(head.len() + tail.len() + rows * (per_row * 2 + 2) + 16);
    sql.push_str(head);
    sql.push_str(" VALUES ");
    for row in 0..rows {
        if row > 0 {
            sql.push(',');
        }
        sql.push_str("(?");
        for _ in 1..per_row {
            sql.push_str(",?");
        }
        sql.push(')');
    }
    sql.push(' ');
    sql.push_str(tail);
    sql
}

/// A JSON array of strings, for `json_each`.
pub(crate) fn json_strings<'a>(items: impl IntoIterator<Item = &'a str>) -> String {
    let items: Vec<&str> = items.into_iter().collect();
    serde_json::to_string(&items).unwrap_or_else(|_| "[]".to_string())
}

/// A JSON array of integers, for `json_each`.
pub(crate) fn json_ints(items: impl IntoIterator<Item = i64>) -> String {
    let items: Vec<i64> = items.into_iter().collect();
    serde_json::to_string(&items).unwrap_or_else(|_| "[]".to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn multi_row_insert_repeats_anonymous_parameters() {
        assert_eq!(
            multi_row_insert("INSERT INTO t (a, b, c)", 3, 2, ""),
            "INSERT INTO t (a, b, c) VALUES (?,?,?),(?,?,?) "
        );
    }

    #[test]
    fn statements_stay_under_the_variable_limit() {
        for per_row in 1..20 {
            assert!(rows_per_statement(per_row) * per_row <= MAX_VARIABLES);
        }
    }

    #[test]
    fn json_arrays_escape_their_strings() {
        assert_eq!(json_strings(["a\"b", "c"]), r#"["a\"b","c"]"#);
        assert_eq!(json_ints([1, 2]), "[1,2]");
    }
}

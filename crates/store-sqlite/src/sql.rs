//! Small SQL builders: multi-row inserts under SQLite's variable limit, and JSON arrays that
//! pass a whole list as one parameter (`IN (SELECT value FROM json_each(?2))`).

use std::fmt::Write;

/// SQLite's default `SQLITE_MAX_VARIABLE_NUMBER` (since 3.32).
const MAX_VARIABLES: usize = 32_766;
/// Rows per statement even when columns are few: long statements gain nothing past this.
const MAX_ROWS: usize = 4_000;

/// How many rows of `per_row` parameters (plus the shared `?1`) fit in one statement.
pub(crate) fn rows_per_statement(per_row: usize) -> usize {
    ((MAX_VARIABLES - 1) / per_row).min(MAX_ROWS)
}

/// `{head} VALUES (?1, ?2, .., ?{per_row+1}), (?1, ..), .. {tail}` for `rows` rows: `?1` is
/// shared by every row (the organisation id) and each row has `per_row` parameters of its own,
/// numbered in binding order.
pub(crate) fn multi_row_insert(head: &str, per_row: usize, rows: usize, tail: &str) -> String {
    debug_assert!(rows >= 1 && rows * per_row < MAX_VARIABLES);
    let mut sql = String::with_capacity(head.len() + tail.len() + rows * per_row * 7 + 16);
    sql.push_str(head);
    sql.push_str(" VALUES ");
    let mut n = 2;
    for row in 0..rows {
        if row > 0 {
            sql.push(',');
        }
        sql.push_str("(?1");
        for _ in 0..per_row {
            // Writing to a String cannot fail.
            let _ = write!(sql, ",?{n}");
            n += 1;
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
    fn multi_row_insert_shares_the_first_parameter() {
        assert_eq!(
            multi_row_insert("INSERT INTO t (a, b, c)", 2, 2, ""),
            "INSERT INTO t (a, b, c) VALUES (?1,?2,?3),(?1,?4,?5) "
        );
    }

    #[test]
    fn statements_stay_under_the_variable_limit() {
        for per_row in 1..20 {
            assert!(rows_per_statement(per_row) * per_row < MAX_VARIABLES);
        }
    }

    #[test]
    fn json_arrays_escape_their_strings() {
        assert_eq!(json_strings(["a\"b", "c"]), r#"["a\"b","c"]"#);
        assert_eq!(json_ints([1, 2]), "[1,2]");
    }
}

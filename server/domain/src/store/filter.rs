//! A WHERE clause built from the filters that are present, each value bound as a parameter
//! (`$1`, `$2`, … so one SQL text serves both backends).

use sqlx::any::AnyRow;
use sqlx::{Any, FromRow};

pub enum Bind {
    Text(String),
    Int(i64),
}

#[derive(Default)]
pub struct Filter {
    clauses: Vec<String>,
    binds: Vec<Bind>,
}

impl Filter {
    /// Adds a condition; each `?` in it becomes the placeholder of the next value, in order.
    pub fn add(&mut self, clause: &str, values: impl IntoIterator<Item = Bind>) {
        let mut values = values.into_iter();
        let mut out = String::with_capacity(clause.len() + 8);
        for c in clause.chars() {
            if c == '?' {
                if let Some(v) = values.next() {
                    out.push_str(&self.push(v));
                    continue;
                }
            }
            out.push(c);
        }
        self.clauses.push(out);
    }

    /// Binds a value outside the WHERE clause (a LIMIT, an OFFSET); returns its placeholder.
    pub fn push(&mut self, v: Bind) -> String {
        self.binds.push(v);
        format!("${}", self.binds.len())
    }

    /// `WHERE a AND b`, or nothing.
    pub fn where_sql(&self) -> String {
        if self.clauses.is_empty() { String::new() } else { format!("WHERE {}", self.clauses.join(" AND ")) }
    }

    pub fn query_as<'q, O>(self, sql: &'q str) -> sqlx::query::QueryAs<'q, Any, O, sqlx::any::AnyArguments<'q>>
    where
        O: for<'r> FromRow<'r, AnyRow>,
    {
        let mut q = sqlx::query_as::<_, O>(sql);
        for b in self.binds {
            q = match b {
                Bind::Text(t) => q.bind(t),
                Bind::Int(i) => q.bind(i),
            };
        }
        q
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders_are_numbered_in_order_across_clauses() {
        let mut f = Filter::default();
        f.add("a = ?", [Bind::Text("x".into())]);
        f.add("(b < ? OR (b = ? AND id < ?))", [Bind::Int(1), Bind::Int(1), Bind::Text("i".into())]);
        assert_eq!(f.where_sql(), "WHERE a = $1 AND (b < $2 OR (b = $3 AND id < $4))");
        assert_eq!(f.push(Bind::Int(10)), "$5");
    }

    #[test]
    fn no_filters_no_where() {
        assert_eq!(Filter::default().where_sql(), "");
    }
}

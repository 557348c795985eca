//! Argument validators, as Convex's `v.*` builders check them before a handler runs.
//!
//! A mismatch is an `ArgumentValidationError` (no `errorData`), distinct from the
//! coded `INVALID_ARGUMENT` errors that handlers raise for values of the right type
//! that break a limit. Optional fields accept a missing key, never `null`.

use crate::error::FunctionError;
use crate::ids::{self, Table};
use crate::values::Value;
use std::collections::BTreeMap;

/// A validator.
#[derive(Debug, Clone)]
pub enum V {
    String,
    Number,
    Boolean,
    Null,
    Any,
    Id(Table),
    Optional(Box<V>),
    Array(Box<V>),
    Object(Fields),
    Union(Vec<V>),
}

/// The fields of an object validator, in declaration order.
pub type Fields = Vec<(&'static str, V)>;

/// `v.optional(inner)`.
pub fn opt(inner: V) -> V {
    V::Optional(Box::new(inner))
}

impl V {
    fn describe(&self) -> String {
        match self {
            V::String => "v.string()".into(),
            V::Number => "v.float64()".into(),
            V::Boolean => "v.boolean()".into(),
            V::Null => "v.null()".into(),
            V::Any => "v.any()".into(),
            V::Id(t) => format!("v.id(\"{}\")", t.name()),
            V::Optional(inner) => format!("v.optional({})", inner.describe()),
            V::Array(inner) => format!("v.array({})", inner.describe()),
            V::Object(fields) => describe_fields(fields),
            V::Union(members) => format!(
                "v.union({})",
                members
                    .iter()
                    .map(V::describe)
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        }
    }

    fn check(&self, value: &Value, path: &str) -> Result<(), String> {
        let ok = match (self, value) {
            (V::Any, _) => true,
            (V::String, Value::String(_)) => true,
            (V::Number, Value::Float64(_)) => true,
            (V::Boolean, Value::Boolean(_)) => true,
            (V::Null, Value::Null) => true,
            (V::Id(table), Value::String(s)) => ids::table_of(s) == Some(*table),
            (V::Optional(inner), _) => return inner.check(value, path),
            (V::Array(inner), Value::Array(items)) => {
                for (i, item) in items.iter().enumerate() {
                    inner.check(item, &format!("{path}[{i}]"))?;
                }
                true
            }
            (V::Object(fields), Value::Object(map)) => return check_fields(fields, map, path),
            (V::Union(members), _) => members.iter().any(|m| m.check(value, path).is_ok()),
            _ => false,
        };
        if ok {
            Ok(())
        } else {
            Err(format!(
                "Value does not match validator.\nPath: {}\nValue: {}\nValidator: {}",
                if path.is_empty() { "." } else { path },
                super::limits::echo(&value.to_json().to_string()),
                self.describe()
            ))
        }
    }
}

fn describe_fields(fields: &Fields) -> String {
    let inner: Vec<String> = fields
        .iter()
        .map(|(k, v)| format!("{k}: {}", v.describe()))
        .collect();
    format!("v.object({{{}}})", inner.join(", "))
}

fn check_fields(fields: &Fields, map: &BTreeMap<String, Value>, path: &str) -> Result<(), String> {
    let shown = || super::limits::echo(&Value::Object(map.clone()).to_json().to_string());
    for key in map.keys() {
        if !fields.iter().any(|(name, _)| name == key) {
            let key = super::limits::echo(key);
            return Err(format!(
                "Object contains extra field `{key}` that is not in the validator.\n\
                 Path: {}\nObject: {}\nValidator: {}",
                if path.is_empty() { "." } else { path },
                shown(),
                describe_fields(fields)
            ));
        }
    }
    for (name, validator) in fields {
        match map.get(*name) {
            Some(value) => validator.check(value, &format!("{path}.{name}"))?,
            None if matches!(validator, V::Optional(_)) => {}
            None => {
                return Err(format!(
                    "Object is missing the required field `{name}`. Consider wrapping the field \
                     validator in `v.optional(...)` if this is expected.\n\nObject: {}\nValidator: {}",
                    shown(),
                    describe_fields(fields)
                ))
            }
        }
    }
    Ok(())
}

/// Checks a function's arguments object against its field validators.
pub fn check_args(fields: &Fields, args: &BTreeMap<String, Value>) -> Result<(), FunctionError> {
    check_fields(fields, args, "").map_err(FunctionError::Validation)
}

/// Typed access to arguments that already passed their validator.
#[derive(Debug, Clone, Copy)]
pub struct Args<'a>(pub &'a BTreeMap<String, Value>);

impl<'a> Args<'a> {
    pub fn value(&self, key: &str) -> Option<&'a Value> {
        self.0.get(key)
    }

    pub fn str(&self, key: &str) -> Option<&'a str> {
        self.0.get(key).and_then(Value::as_str)
    }

    pub fn string(&self, key: &str) -> Option<String> {
        self.str(key).map(str::to_string)
    }

    pub fn f64(&self, key: &str) -> Option<f64> {
        self.0.get(key).and_then(Value::as_f64)
    }

    pub fn bool(&self, key: &str) -> Option<bool> {
        self.0.get(key).and_then(Value::as_bool)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn obj(j: serde_json::Value) -> BTreeMap<String, Value> {
        match Value::from_json(&j).unwrap() {
            Value::Object(m) => m,
            _ => unreachable!(),
        }
    }

    fn fields() -> Fields {
        vec![
            ("name", V::String),
            ("count", opt(V::Number)),
            ("session", opt(V::Id(Table::VideoCallSessions))),
        ]
    }

    #[test]
    fn accepts_matching_args() {
        let id = ids::new_id(Table::VideoCallSessions);
        assert!(check_args(
            &fields(),
            &obj(json!({"name": "a", "count": 2, "session": id}))
        )
        .is_ok());
        assert!(check_args(&fields(), &obj(json!({"name": "a"}))).is_ok());
    }

    #[test]
    fn rejects_with_argument_validation_error() {
        for bad in [
            json!({}),
            json!({"name": 1}),
            json!({"name": "a", "count": null}),
            json!({"name": "a", "extra": true}),
            json!({"name": "a", "session": "nope"}),
            json!({"name": "a", "session": ids::new_id(Table::Appointments)}),
        ] {
            let err = check_args(&fields(), &obj(bad.clone())).unwrap_err();
            assert!(
                err.to_string().starts_with("ArgumentValidationError: "),
                "{bad} -> {err}"
            );
        }
    }

    #[test]
    fn int64_is_not_a_number() {
        let mut args = obj(json!({"name": "a"}));
        args.insert("count".into(), Value::Int64(3));
        assert!(check_args(&fields(), &args).is_err());
    }
}

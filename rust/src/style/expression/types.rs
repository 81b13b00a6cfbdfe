//! The static types of the expression language and the subtype check.

use std::fmt;

use crate::style::value::Value;

/// A type of the expression language.
#[derive(Clone, Debug, PartialEq)]
pub enum Type {
    Null,
    Number,
    String,
    Boolean,
    Color,
    Object,
    /// Any value (the top type of data).
    Value,
    Error,
    Collator,
    Formatted,
    ResolvedImage,
    Padding,
    NumberArray,
    ColorArray,
    VariableAnchorOffsetCollection,
    ProjectionDefinition,
    /// `array<item, N>`; `None` length means any length.
    Array(Box<Type>, Option<usize>),
}

impl Type {
    pub fn array(item: Type, n: Option<usize>) -> Type {
        Type::Array(Box::new(item), n)
    }

    /// The type's kind name (`array` for every array type).
    pub fn kind(&self) -> &'static str {
        match self {
            Type::Null => "null",
            Type::Number => "number",
            Type::String => "string",
            Type::Boolean => "boolean",
            Type::Color => "color",
            Type::Object => "object",
            Type::Value => "value",
            Type::Error => "error",
            Type::Collator => "collator",
            Type::Formatted => "formatted",
            Type::ResolvedImage => "resolvedImage",
            Type::Padding => "padding",
            Type::NumberArray => "numberArray",
            Type::ColorArray => "colorArray",
            Type::VariableAnchorOffsetCollection => "variableAnchorOffsetCollection",
            Type::ProjectionDefinition => "projectionDefinition",
            Type::Array(..) => "array",
        }
    }

    fn same_kind(&self, other: &Type) -> bool {
        self.kind() == other.kind()
    }
}

impl fmt::Display for Type {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Type::Array(item, Some(n)) => write!(f, "array<{item}, {n}>"),
            Type::Array(item, None) if **item == Type::Value => f.write_str("array"),
            Type::Array(item, None) => write!(f, "array<{item}>"),
            t => f.write_str(t.kind()),
        }
    }
}

/// The types a `value` may hold.
const VALUE_MEMBERS: &[Type] = &[
    Type::Null,
    Type::Number,
    Type::String,
    Type::Boolean,
    Type::Color,
    Type::ProjectionDefinition,
    Type::Formatted,
    Type::Object,
    Type::Padding,
    Type::NumberArray,
    Type::ColorArray,
    Type::ResolvedImage,
    Type::VariableAnchorOffsetCollection,
];

/// `None` if `t` may be used where `expected` is required, else the error
/// message ("Expected X but found Y instead.").
pub fn check_subtype(expected: &Type, t: &Type) -> Option<String> {
    if is_subtype(expected, t) {
        None
    } else {
        Some(format!("Expected {expected} but found {t} instead."))
    }
}

pub fn is_subtype(expected: &Type, t: &Type) -> bool {
    match (expected, t) {
        (_, Type::Error) => true,
        (Type::Array(ei, en), Type::Array(ti, tn)) => {
            ((*tn == Some(0) && **ti == Type::Value) || is_subtype(ei, ti)) && (en.is_none() || en == tn)
        }
        (Type::Array(..), _) => false,
        (e, t) if e.same_kind(t) => true,
        (Type::Value, t) => {
            VALUE_MEMBERS.iter().any(|m| is_subtype(m, t)) || is_subtype(&Type::array(Type::Value, None), t)
        }
        _ => false,
    }
}

/// The type of a runtime value (arrays: the common item type, else `value`).
pub fn type_of(v: &Value) -> Type {
    match v {
        Value::Null => Type::Null,
        Value::Bool(_) => Type::Boolean,
        Value::Number(_) => Type::Number,
        Value::String(_) => Type::String,
        Value::Color(_) => Type::Color,
        Value::Object(_) => Type::Object,
        Value::Formatted(_) => Type::Formatted,
        Value::Image(_) => Type::ResolvedImage,
        Value::Collator(_) => Type::Collator,
        Value::Array(items) => {
            let mut item: Option<Type> = None;
            for it in items {
                let t = type_of(it);
                match &item {
                    None => item = Some(t),
                    // Only primitive item types unify; nested arrays make `value`.
                    Some(prev) if *prev == t && !matches!(t, Type::Array(..)) => {}
                    Some(_) => {
                        item = Some(Type::Value);
                        break;
                    }
                }
            }
            Type::array(item.unwrap_or(Type::Value), Some(items.len()))
        }
    }
}

/// The kind name of a value's type, cheaply (for error messages).
pub fn kind_of(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Color(_) => "color",
        Value::Object(_) => "object",
        Value::Formatted(_) => "formatted",
        Value::Image(_) => "resolvedImage",
        Value::Collator(_) => "collator",
        Value::Array(_) => "array",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn display_and_subtypes() {
        assert_eq!(Type::array(Type::Number, Some(2)).to_string(), "array<number, 2>");
        assert_eq!(Type::array(Type::Value, None).to_string(), "array");
        assert_eq!(Type::array(Type::String, None).to_string(), "array<string>");
        assert!(is_subtype(&Type::Value, &Type::array(Type::Number, Some(3))));
        assert!(is_subtype(&Type::array(Type::Number, None), &Type::array(Type::Number, Some(3))));
        assert!(!is_subtype(&Type::array(Type::Number, Some(3)), &Type::array(Type::Number, None)));
        assert!(!is_subtype(&Type::Value, &Type::Collator));
        assert_eq!(
            check_subtype(&Type::String, &Type::Number).unwrap(),
            "Expected string but found number instead."
        );
        let v = Value::Array(vec![Value::Number(1.0), Value::String("a".into())]);
        assert_eq!(type_of(&v).to_string(), "array<value, 2>");
    }
}

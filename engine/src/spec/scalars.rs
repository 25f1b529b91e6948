//! Scalar types Argo accepts in more than one JSON form.

use std::fmt;

use serde::de::{self, Deserializer, Visitor};
use serde::{Deserialize, Serialize, Serializer};

/// Argo's `AnyString`: a parameter value may be written as a string, a
/// number or a boolean, and is a string from then on (`value: 3` is "3").
#[derive(Debug, Clone, PartialEq, Eq, Default, Hash)]
pub struct AnyString(pub String);

impl AnyString {
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for AnyString {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl Serialize for AnyString {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.0)
    }
}

impl<'de> Deserialize<'de> for AnyString {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl Visitor<'_> for V {
            type Value = AnyString;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a string, number or boolean")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<AnyString, E> {
                Ok(AnyString(v.to_string()))
            }
            fn visit_bool<E: de::Error>(self, v: bool) -> Result<AnyString, E> {
                Ok(AnyString(v.to_string()))
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<AnyString, E> {
                Ok(AnyString(v.to_string()))
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<AnyString, E> {
                Ok(AnyString(v.to_string()))
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> Result<AnyString, E> {
                Ok(AnyString(v.to_string()))
            }
        }
        d.deserialize_any(V)
    }
}

/// Kubernetes' `IntOrString` (e.g. `retryStrategy.limit`, `activeDeadlineSeconds`),
/// which in Argo may also hold a `{{…}}` tag resolved at run time.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum IntOrString {
    Int(i64),
    String(String),
}

impl IntOrString {
    /// The integer, if it is one or a string holding one.
    pub fn as_int(&self) -> Option<i64> {
        match self {
            IntOrString::Int(i) => Some(*i),
            IntOrString::String(s) => s.trim().parse().ok(),
        }
    }
}

impl fmt::Display for IntOrString {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            IntOrString::Int(i) => write!(f, "{i}"),
            IntOrString::String(s) => f.write_str(s),
        }
    }
}

impl Serialize for IntOrString {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            IntOrString::Int(i) => s.serialize_i64(*i),
            IntOrString::String(v) => s.serialize_str(v),
        }
    }
}

impl<'de> Deserialize<'de> for IntOrString {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl Visitor<'_> for V {
            type Value = IntOrString;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("an integer or a string")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<IntOrString, E> {
                Ok(IntOrString::String(v.to_string()))
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<IntOrString, E> {
                Ok(IntOrString::Int(v))
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<IntOrString, E> {
                i64::try_from(v).map(IntOrString::Int).map_err(|_| E::custom("integer too large"))
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> Result<IntOrString, E> {
                if v.fract() == 0.0 && v.abs() < 9.0e15 {
                    Ok(IntOrString::Int(v as i64))
                } else {
                    Err(E::custom(format!("expected an integer, found {v}")))
                }
            }
        }
        d.deserialize_any(V)
    }
}

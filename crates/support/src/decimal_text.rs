//! Serde for `rust_decimal::Decimal` as a string ("0.10"), so rates survive a JSON round trip
//! exactly (the workspace builds rust_decimal without its serde feature).

use rust_decimal::Decimal;
use serde::{Deserialize, Deserializer, Serializer};
use std::str::FromStr;

pub fn serialize<S: Serializer>(value: &Decimal, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(&value.to_string())
}

pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Decimal, D::Error> {
    let text = String::deserialize(d)?;
    Decimal::from_str(text.trim()).map_err(serde::de::Error::custom)
}

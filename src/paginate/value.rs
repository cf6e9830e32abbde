//! The values a cursor holds, and how each binds back as a typed value.
//!
//! Dates, times, decimals and UUIDs are kept as text in one canonical form, so a token does
//! not depend on which of `chrono` or `time` wrote it. They bind back through whichever of
//! those features is on, as the SQL type they were read from, so PostgreSQL and MySQL
//! compare them as that type. SQLite never produces them: it compares values by storage
//! class, and its cursors hold the stored integer, real, text or blob exactly.

use sea_query::Value;
use serde::{Deserialize, Serialize};

/// One ordering value, in a form every engine can compare against.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase", try_from = "Unchecked")]
pub enum CursorValue {
    /// SQL NULL.
    Null,
    /// Any integer column.
    Int(i64),
    /// Any floating-point column.
    Float(f64),
    /// Any text column.
    Text(String),
    /// A boolean column.
    Bool(bool),
    /// A binary column, base64 in the token.
    Bytes(#[serde(with = "base64_bytes")] Vec<u8>),
    /// A date and time without a zone: `YYYY-MM-DDTHH:MM:SS[.fffffffff]`.
    Timestamp(String),
    /// An instant (a timestamp with time zone), in UTC: `YYYY-MM-DDTHH:MM:SS[.fffffffff]Z`.
    TimestampTz(String),
    /// A date: `YYYY-MM-DD`.
    Date(String),
    /// A time of day: `HH:MM:SS[.fffffffff]`.
    Time(String),
    /// An exact decimal, as its digits: `-12.50`.
    Decimal(String),
    /// A UUID, hyphenated.
    Uuid(String),
}

/// [`CursorValue`] as it arrives from outside, before its text is checked.
#[derive(Deserialize)]
#[serde(rename_all = "lowercase")]
enum Unchecked {
    Null,
    Int(i64),
    Float(f64),
    Text(String),
    Bool(bool),
    Bytes(#[serde(with = "base64_bytes")] Vec<u8>),
    Timestamp(String),
    TimestampTz(String),
    Date(String),
    Time(String),
    Decimal(String),
    Uuid(String),
}

/// How a rejected value is described; [`super::Cursor::decode`] recognises it.
pub(crate) const REJECTED: &str = "the cursor holds ";

impl TryFrom<Unchecked> for CursorValue {
    type Error = String;

    fn try_from(value: Unchecked) -> Result<Self, String> {
        let value = match value {
            Unchecked::Null => CursorValue::Null,
            Unchecked::Int(v) => CursorValue::Int(v),
            Unchecked::Float(v) => CursorValue::Float(v),
            Unchecked::Text(v) => CursorValue::Text(v),
            Unchecked::Bool(v) => CursorValue::Bool(v),
            Unchecked::Bytes(v) => CursorValue::Bytes(v),
            Unchecked::Timestamp(v) => CursorValue::Timestamp(v),
            Unchecked::TimestampTz(v) => CursorValue::TimestampTz(v),
            Unchecked::Date(v) => CursorValue::Date(v),
            Unchecked::Time(v) => CursorValue::Time(v),
            Unchecked::Decimal(v) => CursorValue::Decimal(v),
            Unchecked::Uuid(v) => CursorValue::Uuid(v),
        };
        // A value that cannot bind is refused here, so binding never fails later.
        value.to_value().map(|_| value)
    }
}

impl CursorValue {
    /// A value read from a timestamp column without time zone.
    #[allow(dead_code)]
    pub(crate) fn timestamp(civil: Civil) -> CursorValue {
        CursorValue::Timestamp(civil.date_time_text())
    }

    /// A value read from a timestamp column with time zone, as UTC.
    #[allow(dead_code)]
    pub(crate) fn instant(civil: Civil) -> CursorValue {
        CursorValue::TimestampTz(format!("{}Z", civil.date_time_text()))
    }

    /// A value read from a date column.
    #[allow(dead_code)]
    pub(crate) fn date(civil: Civil) -> CursorValue {
        CursorValue::Date(civil.date_text())
    }

    /// A value read from a time-of-day column.
    #[allow(dead_code)]
    pub(crate) fn time(civil: Civil) -> CursorValue {
        CursorValue::Time(civil.time_text())
    }

    /// The value to compare against, typed as the column it was read from; `None` for NULL.
    pub(crate) fn value(&self) -> Option<Value> {
        // Every `CursorValue` was checked when it was read or deserialized.
        self.to_value()
            .unwrap_or_else(|_| self.text().map(Value::from))
    }

    fn text(&self) -> Option<String> {
        match self {
            CursorValue::Timestamp(v)
            | CursorValue::TimestampTz(v)
            | CursorValue::Date(v)
            | CursorValue::Time(v)
            | CursorValue::Decimal(v)
            | CursorValue::Uuid(v)
            | CursorValue::Text(v) => Some(v.clone()),
            _ => None,
        }
    }

    /// The typed value, or why this build cannot bind it.
    fn to_value(&self) -> Result<Option<Value>, String> {
        let unusable = |what: &str, text: &str| format!("{REJECTED}`{text}`, which is not {what}");
        Ok(Some(match self {
            CursorValue::Null => return Ok(None),
            CursorValue::Int(v) => (*v).into(),
            CursorValue::Float(v) => (*v).into(),
            CursorValue::Text(v) => v.clone().into(),
            CursorValue::Bool(v) => (*v).into(),
            CursorValue::Bytes(v) => v.clone().into(),
            CursorValue::Timestamp(text) => Civil::parse_date_time(text)
                .and_then(|civil| civil.timestamp())
                .ok_or_else(|| unusable("a date and time", text))??,
            CursorValue::TimestampTz(text) => text
                .strip_suffix('Z')
                .and_then(Civil::parse_date_time)
                .and_then(|civil| civil.instant())
                .ok_or_else(|| unusable("a UTC date and time", text))??,
            CursorValue::Date(text) => Civil::parse_date(text)
                .and_then(|civil| civil.date())
                .ok_or_else(|| unusable("a date", text))??,
            CursorValue::Time(text) => Civil::parse_time(text)
                .and_then(|civil| civil.time())
                .ok_or_else(|| unusable("a time of day", text))??,
            CursorValue::Decimal(text) => {
                decimal(text).ok_or_else(|| unusable("a decimal", text))??
            }
            CursorValue::Uuid(text) => uuid(text).ok_or_else(|| unusable("a UUID", text))??,
        }))
    }
}

/// Why a value of a kind cannot bind in this build.
#[cfg_attr(
    all(
        any(feature = "chrono", feature = "time"),
        feature = "rust_decimal",
        feature = "uuid"
    ),
    allow(dead_code)
)]
fn needs(kind: &str, features: &str) -> String {
    format!("{REJECTED}{kind}, which needs setql's {features} feature")
}

/// `None` when `text` is not a decimal; `Some(Err(_))` when it is but cannot bind here.
#[allow(clippy::unnecessary_wraps)]
fn decimal(text: &str) -> Option<Result<Value, String>> {
    #[cfg(feature = "rust_decimal")]
    {
        let decimal = sea_query::prelude::Decimal::from_str_exact(text).ok()?;
        Some(Ok(decimal.into()))
    }
    #[cfg(not(feature = "rust_decimal"))]
    {
        let _ = text;
        Some(Err(needs("a decimal", "`rust_decimal`")))
    }
}

/// As [`decimal`], for a UUID.
#[allow(clippy::unnecessary_wraps)]
fn uuid(text: &str) -> Option<Result<Value, String>> {
    #[cfg(feature = "uuid")]
    {
        let uuid = sea_query::prelude::Uuid::parse_str(text).ok()?;
        Some(Ok(uuid.into()))
    }
    #[cfg(not(feature = "uuid"))]
    {
        let _ = text;
        Some(Err(needs("a UUID", "`uuid`")))
    }
}

/// A calendar date and a wall-clock time, as their fields: the one form both `chrono` and
/// `time` values pass through.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(crate) struct Civil {
    pub(crate) year: i32,
    pub(crate) month: u8,
    pub(crate) day: u8,
    pub(crate) hour: u8,
    pub(crate) minute: u8,
    pub(crate) second: u8,
    pub(crate) nanosecond: u32,
}

impl Civil {
    /// This date with `time`'s clock fields.
    fn with_time(self, time: Civil) -> Civil {
        Civil {
            year: self.year,
            month: self.month,
            day: self.day,
            ..time
        }
    }

    pub(crate) fn date_text(self) -> String {
        let sign = if self.year < 0 { "-" } else { "" };
        let year = self.year.unsigned_abs();
        format!("{sign}{year:04}-{:02}-{:02}", self.month, self.day)
    }

    pub(crate) fn time_text(self) -> String {
        let mut text = format!("{:02}:{:02}:{:02}", self.hour, self.minute, self.second);
        if self.nanosecond != 0 {
            let fraction = format!("{:09}", self.nanosecond);
            text.push('.');
            text.push_str(fraction.trim_end_matches('0'));
        }
        text
    }

    pub(crate) fn date_time_text(self) -> String {
        format!("{}T{}", self.date_text(), self.time_text())
    }

    fn parse_date_time(text: &str) -> Option<Civil> {
        let (date, time) = text.split_once('T')?;
        Some(Civil::parse_date(date)?.with_time(Civil::parse_time(time)?))
    }

    fn parse_date(text: &str) -> Option<Civil> {
        // The year may carry a sign; month and day are the last two fields.
        let (rest, day) = text.rsplit_once('-')?;
        let (year, month) = rest.rsplit_once('-')?;
        Some(Civil {
            year: year.parse().ok()?,
            month: two_digits(month)?,
            day: two_digits(day)?,
            ..Civil::default()
        })
    }

    fn parse_time(text: &str) -> Option<Civil> {
        let (clock, fraction) = text.split_once('.').unwrap_or((text, ""));
        let mut fields = clock.split(':');
        let (hour, minute, second) = (fields.next()?, fields.next()?, fields.next()?);
        if fields.next().is_some() || fraction.len() > 9 {
            return None;
        }
        let nanosecond = if fraction.is_empty() {
            0
        } else if fraction.bytes().all(|b| b.is_ascii_digit()) {
            format!("{fraction:0<9}").parse().ok()?
        } else {
            return None;
        };
        Some(Civil {
            hour: two_digits(hour)?,
            minute: two_digits(minute)?,
            second: two_digits(second)?,
            nanosecond,
            ..Civil::default()
        })
    }
}

fn two_digits(text: &str) -> Option<u8> {
    (text.len() == 2 && text.bytes().all(|b| b.is_ascii_digit()))
        .then(|| text.parse().ok())
        .flatten()
}

/// The date and time types a cursor reads and binds: `chrono`'s when it is on, else `time`'s.
#[cfg(feature = "chrono")]
pub(crate) mod temporal {
    pub(crate) use sea_query::prelude::{
        NaiveDate as Date, NaiveDateTime as Timestamp, NaiveTime as Time,
    };
    /// A timestamp with time zone, read in UTC.
    pub(crate) type Instant = sea_query::prelude::DateTime<sea_query::prelude::Utc>;

    use super::Civil;
    use sea_query::prelude::chrono::{Datelike as _, Timelike as _};

    impl From<Date> for Civil {
        #[allow(clippy::cast_possible_truncation)]
        fn from(date: Date) -> Civil {
            // Months and days are at most 12 and 31.
            Civil {
                year: date.year(),
                month: date.month() as u8,
                day: date.day() as u8,
                ..Civil::default()
            }
        }
    }

    impl From<Time> for Civil {
        #[allow(clippy::cast_possible_truncation)]
        fn from(time: Time) -> Civil {
            // Hours, minutes and seconds are below 60.
            Civil {
                hour: time.hour() as u8,
                minute: time.minute() as u8,
                second: time.second() as u8,
                nanosecond: time.nanosecond(),
                ..Civil::default()
            }
        }
    }

    impl From<Timestamp> for Civil {
        fn from(timestamp: Timestamp) -> Civil {
            Civil::from(timestamp.date()).with_time(timestamp.time().into())
        }
    }

    impl From<Instant> for Civil {
        fn from(instant: Instant) -> Civil {
            instant.naive_utc().into()
        }
    }
}

/// As the `chrono` form above, through `time`.
#[cfg(all(feature = "time", not(feature = "chrono")))]
pub(crate) mod temporal {
    pub(crate) use sea_query::prelude::time::{Date, Time};
    pub(crate) use sea_query::prelude::{
        OffsetDateTime as Instant, PrimitiveDateTime as Timestamp,
    };

    use super::Civil;

    impl From<Date> for Civil {
        fn from(date: Date) -> Civil {
            Civil {
                year: date.year(),
                month: date.month().into(),
                day: date.day(),
                ..Civil::default()
            }
        }
    }

    impl From<Time> for Civil {
        fn from(time: Time) -> Civil {
            Civil {
                hour: time.hour(),
                minute: time.minute(),
                second: time.second(),
                nanosecond: time.nanosecond(),
                ..Civil::default()
            }
        }
    }

    impl From<Timestamp> for Civil {
        fn from(timestamp: Timestamp) -> Civil {
            Civil::from(timestamp.date()).with_time(timestamp.time().into())
        }
    }

    impl From<Instant> for Civil {
        fn from(instant: Instant) -> Civil {
            let utc = instant.to_offset(sea_query::prelude::time::UtcOffset::UTC);
            Civil::from(utc.date()).with_time(utc.time().into())
        }
    }
}

/// The typed values of a [`Civil`]: through `chrono` when it is on, else through `time`.
/// Each returns `None` for fields that name no real date or time, and `Some(Err(_))` when
/// neither feature is on.
#[cfg(feature = "chrono")]
impl Civil {
    fn chrono_date(self) -> Option<sea_query::prelude::NaiveDate> {
        sea_query::prelude::NaiveDate::from_ymd_opt(self.year, self.month.into(), self.day.into())
    }

    fn chrono_time(self) -> Option<sea_query::prelude::NaiveTime> {
        sea_query::prelude::NaiveTime::from_hms_nano_opt(
            self.hour.into(),
            self.minute.into(),
            self.second.into(),
            self.nanosecond,
        )
    }

    fn chrono_date_time(self) -> Option<sea_query::prelude::NaiveDateTime> {
        Some(self.chrono_date()?.and_time(self.chrono_time()?))
    }

    #[allow(clippy::unnecessary_wraps)]
    fn timestamp(self) -> Option<Result<Value, String>> {
        Some(Ok(self.chrono_date_time()?.into()))
    }

    #[allow(clippy::unnecessary_wraps)]
    fn instant(self) -> Option<Result<Value, String>> {
        Some(Ok(self.chrono_date_time()?.and_utc().into()))
    }

    #[allow(clippy::unnecessary_wraps)]
    fn date(self) -> Option<Result<Value, String>> {
        Some(Ok(self.chrono_date()?.into()))
    }

    #[allow(clippy::unnecessary_wraps)]
    fn time(self) -> Option<Result<Value, String>> {
        Some(Ok(self.chrono_time()?.into()))
    }
}

#[cfg(all(feature = "time", not(feature = "chrono")))]
impl Civil {
    fn time_date(self) -> Option<sea_query::prelude::time::Date> {
        let month = sea_query::prelude::time::Month::try_from(self.month).ok()?;
        sea_query::prelude::time::Date::from_calendar_date(self.year, month, self.day).ok()
    }

    fn time_time(self) -> Option<sea_query::prelude::time::Time> {
        sea_query::prelude::time::Time::from_hms_nano(
            self.hour,
            self.minute,
            self.second,
            self.nanosecond,
        )
        .ok()
    }

    fn time_date_time(self) -> Option<sea_query::prelude::PrimitiveDateTime> {
        Some(sea_query::prelude::PrimitiveDateTime::new(
            self.time_date()?,
            self.time_time()?,
        ))
    }

    #[allow(clippy::unnecessary_wraps)]
    fn timestamp(self) -> Option<Result<Value, String>> {
        Some(Ok(self.time_date_time()?.into()))
    }

    #[allow(clippy::unnecessary_wraps)]
    fn instant(self) -> Option<Result<Value, String>> {
        Some(Ok(self.time_date_time()?.assume_utc().into()))
    }

    #[allow(clippy::unnecessary_wraps)]
    fn date(self) -> Option<Result<Value, String>> {
        Some(Ok(self.time_date()?.into()))
    }

    #[allow(clippy::unnecessary_wraps)]
    fn time(self) -> Option<Result<Value, String>> {
        Some(Ok(self.time_time()?.into()))
    }
}

#[cfg(not(any(feature = "chrono", feature = "time")))]
#[allow(clippy::unnecessary_wraps)]
impl Civil {
    fn timestamp(self) -> Option<Result<Value, String>> {
        Some(Err(needs("a timestamp", "`chrono` or `time`")))
    }

    fn instant(self) -> Option<Result<Value, String>> {
        Some(Err(needs(
            "a timestamp with time zone",
            "`chrono` or `time`",
        )))
    }

    fn date(self) -> Option<Result<Value, String>> {
        Some(Err(needs("a date", "`chrono` or `time`")))
    }

    fn time(self) -> Option<Result<Value, String>> {
        Some(Err(needs("a time of day", "`chrono` or `time`")))
    }
}

/// Bytes as URL-safe base64 text, which is shorter than JSON's list of numbers.
mod base64_bytes {
    use base64::Engine as _;
    use base64::engine::general_purpose::URL_SAFE_NO_PAD;
    use serde::{Deserialize, Deserializer, Serializer};

    pub(super) fn serialize<S: Serializer>(bytes: &[u8], serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&URL_SAFE_NO_PAD.encode(bytes))
    }

    pub(super) fn deserialize<'de, D: Deserializer<'de>>(
        deserializer: D,
    ) -> Result<Vec<u8>, D::Error> {
        let text = String::deserialize(deserializer)?;
        URL_SAFE_NO_PAD.decode(text).map_err(|_| {
            serde::de::Error::custom(format!("{}bytes that are not base64", super::REJECTED))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn civil_text_round_trips() {
        for text in [
            "2024-02-29T23:59:59.123456789",
            "2024-02-29T00:00:00",
            "0099-01-01T01:02:03.5",
            "-0044-03-15T12:00:00",
        ] {
            let civil = Civil::parse_date_time(text).unwrap();
            assert_eq!(civil.date_time_text(), text);
        }
        assert_eq!(
            Civil::parse_time("10:00:00.25").unwrap().nanosecond,
            250_000_000
        );
        for bad in [
            "2024-1-01T00:00:00",
            "2024-01-01 00:00:00",
            "2024-01-01T00:00",
            "x",
        ] {
            assert_eq!(Civil::parse_date_time(bad), None, "{bad}");
        }
        assert_eq!(Civil::parse_time("10:00:00.1234567890"), None);
    }
}

//! sqlx's `Type`, `Encode` and `Decode` for [`CommaSet`]: the column is text on every engine,
//! so each impl delegates to the engine's own impl for strings, for any sqlx database.

use sqlx::encode::IsNull;
use sqlx::error::BoxDynError;
use sqlx::{Database, Decode, Encode, Type};

use super::{CommaSet, SetMember};

impl<DB, T, const MAX_MEMBERS: usize, const MAX_LEN: usize> Type<DB>
    for CommaSet<T, MAX_MEMBERS, MAX_LEN>
where
    DB: Database,
    String: Type<DB>,
{
    fn type_info() -> DB::TypeInfo {
        <String as Type<DB>>::type_info()
    }

    fn compatible(ty: &DB::TypeInfo) -> bool {
        <String as Type<DB>>::compatible(ty)
    }
}

/// Binding checks the set first: an invalid set is an encode error wrapping the
/// [`setql::Error`](crate::Error), which sqlx returns before the statement is sent.
impl<'q, DB, T, const MAX_MEMBERS: usize, const MAX_LEN: usize> Encode<'q, DB>
    for CommaSet<T, MAX_MEMBERS, MAX_LEN>
where
    DB: Database,
    T: SetMember,
    String: Encode<'q, DB>,
{
    fn encode_by_ref(&self, buf: &mut DB::ArgumentBuffer) -> Result<IsNull, BoxDynError> {
        let text = self.to_text()?;
        <String as Encode<'q, DB>>::encode(text, buf)
    }
}

impl<'r, DB, T, const MAX_MEMBERS: usize, const MAX_LEN: usize> Decode<'r, DB>
    for CommaSet<T, MAX_MEMBERS, MAX_LEN>
where
    DB: Database,
    T: SetMember,
    &'r str: Decode<'r, DB>,
{
    fn decode(value: DB::ValueRef<'r>) -> Result<Self, BoxDynError> {
        let text = <&'r str as Decode<'r, DB>>::decode(value)?;
        Ok(CommaSet::parse(text)?)
    }
}

//! Diesel mappings for newtypes over one SQL column: the newtype is written and read
//! exactly like the value it wraps, on every backend that supports that value.

/// Implements `ToSql`/`FromSql` for `$name($inner)` as SQL type `$sql` on any backend.
/// The struct must derive `AsExpression` and `FromSqlRow` with `sql_type = $sql`.
macro_rules! sql_newtype {
    ($name:ident, $inner:ty, $borrowed:ty, $sql:ty) => {
        impl<DB> diesel::serialize::ToSql<$sql, DB> for $name
        where
            DB: diesel::backend::Backend,
            $borrowed: diesel::serialize::ToSql<$sql, DB>,
        {
            fn to_sql<'b>(
                &'b self,
                out: &mut diesel::serialize::Output<'b, '_, DB>,
            ) -> diesel::serialize::Result {
                let inner: &'b $borrowed = &self.0;
                inner.to_sql(out)
            }
        }

        impl<DB> diesel::deserialize::FromSql<$sql, DB> for $name
        where
            DB: diesel::backend::Backend,
            $inner: diesel::deserialize::FromSql<$sql, DB>,
        {
            fn from_sql(bytes: DB::RawValue<'_>) -> diesel::deserialize::Result<Self> {
                <$inner as diesel::deserialize::FromSql<$sql, DB>>::from_sql(bytes).map($name)
            }
        }
    };
}

pub(crate) use sql_newtype;

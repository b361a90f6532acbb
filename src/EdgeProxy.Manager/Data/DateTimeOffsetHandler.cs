using System.Data;
using System.Globalization;
using Dapper;

namespace EdgeProxy.Manager.Data;

/// <summary>
/// Instants are stored as round-trip ISO 8601 text in UTC ("2026-01-02T03:04:05.0000000+00:00"): readable in the
/// sqlite3 shell, sortable as text, and read back exactly. Dapper has no built-in mapping from SQLite text.
/// </summary>
internal sealed class DateTimeOffsetHandler : SqlMapper.TypeHandler<DateTimeOffset>
{
    private static int _registered;

    public static void Register()
    {
        if (Interlocked.Exchange(ref _registered, 1) == 0)
        {
            SqlMapper.RemoveTypeMap(typeof(DateTimeOffset));
            SqlMapper.RemoveTypeMap(typeof(DateTimeOffset?));
            SqlMapper.AddTypeHandler(new DateTimeOffsetHandler());
        }
    }

    public static string Format(DateTimeOffset value) => value.ToUniversalTime().ToString("O", CultureInfo.InvariantCulture);

    public override void SetValue(IDbDataParameter parameter, DateTimeOffset value)
    {
        parameter.DbType = DbType.String;
        parameter.Value = Format(value);
    }

    public override DateTimeOffset Parse(object value) =>
        DateTimeOffset.Parse((string)value, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal);
}

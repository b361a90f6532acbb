namespace EdgeProxy.Analytics;

/// <summary>
/// Process-wide intern table for the names analytics records carry (routes, consumers, upstream endpoints,
/// policies), so a record holds an int instead of a string. Names are interned at config-compile time; ids stay
/// valid across reloads (a record captured under an old snapshot still resolves). Id 0 is "none". The table only
/// grows, bounded by the distinct names the configs ever held.
/// </summary>
internal static class AnalyticsNames
{
    private static readonly Lock Gate = new();
    private static readonly Dictionary<string, int> Ids = new(StringComparer.Ordinal);
    private static volatile string[] s_names = new string[256];
    private static int s_count = 1;

    /// <summary>The policy of a refused key (missing, unknown, expired, disabled consumer).</summary>
    public static readonly int ApiKeyPolicy = Intern("api_key");

    /// <summary>A consumer's quota.</summary>
    public static readonly int QuotaPolicy = Intern("quota");

    /// <summary>A consumer without a grant for the route's API (403).</summary>
    public static readonly int ApiGrantPolicy = Intern("api_grant");

    /// <summary>A draft API version, hidden from consumers not tagged tester (answered as no route).</summary>
    public static readonly int ApiDraftPolicy = Intern("api_draft");

    public static int Intern(string name)
    {
        if (string.IsNullOrEmpty(name))
        {
            return 0;
        }

        lock (Gate)
        {
            if (Ids.TryGetValue(name, out var id))
            {
                return id;
            }

            id = s_count++;
            var names = s_names;
            if (id >= names.Length)
            {
                var grown = new string[names.Length * 2];
                names.CopyTo(grown, 0);
                names = grown;
            }

            // The slot is written before the (possibly new) array is published, and the id before any record holds it.
            names[id] = name;
            s_names = names;
            Ids.Add(name, id);
            return id;
        }
    }

    /// <summary>The name of an id from <see cref="Intern"/>; "" for 0 or an unknown id. Lock-free.</summary>
    public static string Of(int id)
    {
        var names = s_names;
        return (uint)id < (uint)names.Length ? names[id] ?? "" : "";
    }
}

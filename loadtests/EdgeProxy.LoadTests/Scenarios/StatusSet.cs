namespace EdgeProxy.LoadTests.Scenarios;

/// <summary>The status codes a step counts as success (<c>[200, 429]</c>, <c>["2xx", 304]</c>); default 200–399.</summary>
internal sealed class StatusSet
{
    private readonly bool[] _accepted = new bool[600];

    public static StatusSet Default { get; } = Range(200, 399);

    public string Text { get; private set; } = "";

    public bool Contains(int status) => (uint)status < (uint)_accepted.Length && _accepted[status];

    public static StatusSet Range(int from, int to)
    {
        var set = new StatusSet { Text = $"{from}-{to}" };
        for (var i = from; i <= to; i++)
        {
            set._accepted[i] = true;
        }

        return set;
    }

    /// <summary>Builds a set from entries that are either a code (100–599) or a class such as <c>"2xx"</c>.</summary>
    public static StatusSet From(IEnumerable<(int From, int To)> ranges, string text)
    {
        var set = new StatusSet { Text = text };
        foreach (var (from, to) in ranges)
        {
            for (var i = from; i <= to; i++)
            {
                set._accepted[i] = true;
            }
        }

        return set;
    }
}

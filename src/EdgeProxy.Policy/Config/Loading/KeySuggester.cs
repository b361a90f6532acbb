namespace EdgeProxy.Policy.Config.Loading;

/// <summary>Finds the known name a typo was probably meant to be ("endpoint" → "endpoints").</summary>
internal static class KeySuggester
{
    public static string? Nearest(string word, IEnumerable<string> candidates)
    {
        string? best = null;
        var bestDistance = int.MaxValue;
        var normalizedWord = Normalize(word);
        foreach (var candidate in candidates)
        {
            // Same word in another casing or separator style (drainTimeout, drain-timeout): certainly meant.
            if (Normalize(candidate) == normalizedWord)
            {
                return candidate;
            }

            var distance = Distance(word.ToLowerInvariant(), candidate);
            if (distance < bestDistance)
            {
                best = candidate;
                bestDistance = distance;
            }
        }

        // One edit per three letters keeps "name" from suggesting "id" while still catching real typos.
        var allowed = Math.Max(1, Math.Min(3, word.Length / 3));
        return bestDistance <= allowed ? best : null;
    }

    private static string Normalize(string name) => name.Replace("_", "", StringComparison.Ordinal).Replace("-", "", StringComparison.Ordinal).ToLowerInvariant();

    // Optimal string alignment distance: Levenshtein plus adjacent transpositions ("endpionts").
    private static int Distance(string a, string b)
    {
        var d = new int[a.Length + 1, b.Length + 1];
        for (var i = 0; i <= a.Length; i++)
        {
            d[i, 0] = i;
        }

        for (var j = 0; j <= b.Length; j++)
        {
            d[0, j] = j;
        }

        for (var i = 1; i <= a.Length; i++)
        {
            for (var j = 1; j <= b.Length; j++)
            {
                var cost = a[i - 1] == b[j - 1] ? 0 : 1;
                d[i, j] = Math.Min(Math.Min(d[i - 1, j] + 1, d[i, j - 1] + 1), d[i - 1, j - 1] + cost);
                if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1])
                {
                    d[i, j] = Math.Min(d[i, j], d[i - 2, j - 2] + 1);
                }
            }
        }

        return d[a.Length, b.Length];
    }
}

using System.Globalization;

namespace EdgeProxy.LoadTests.Toml;

/// <summary>Sizes as the gateway's config writes them: <c>512</c>, <c>16KiB</c>, <c>1MiB</c>, <c>2KB</c>.</summary>
internal static class SizeText
{
    public static bool TryParse(string text, out long value)
    {
        value = 0;
        var span = text.AsSpan().Trim();
        var unitStart = span.Length;
        while (unitStart > 0 && char.IsAsciiLetter(span[unitStart - 1]))
        {
            unitStart--;
        }

        long? multiplier = span[unitStart..].ToString() switch
        {
            "" or "B" => 1,
            "KB" => 1_000,
            "KiB" => 1L << 10,
            "MB" => 1_000_000,
            "MiB" => 1L << 20,
            "GB" => 1_000_000_000,
            "GiB" => 1L << 30,
            _ => null,
        };
        if (multiplier is null || !long.TryParse(span[..unitStart].Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out var number) || number > long.MaxValue / multiplier)
        {
            return false;
        }

        value = number * multiplier.Value;
        return true;
    }
}
